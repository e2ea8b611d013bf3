using System;
using System.Collections.Generic;
using System.Text;

namespace ArenaInfra.Proxy
{
    /// <summary>A line diff ('-' removed, '+' added) for showing what a publish would change.</summary>
    internal static class LineDiff
    {
        public static string Render(string before, string after)
        {
            var a = Lines(before);
            var b = Lines(after);
            // Longest common subsequence: configs are a few hundred lines, so the table is small.
            var lcs = new int[a.Length + 1, b.Length + 1];
            for (var i = a.Length - 1; i >= 0; i--)
            {
                for (var j = b.Length - 1; j >= 0; j--)
                {
                    lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
                }
            }
            var text = new StringBuilder();
            int x = 0, y = 0;
            while (x < a.Length || y < b.Length)
            {
                if (x < a.Length && y < b.Length && a[x] == b[y]) { x++; y++; }
                else if (x < a.Length && (y == b.Length || lcs[x + 1, y] >= lcs[x, y + 1])) text.Append("- ").Append(a[x++]).Append('\n');
                else text.Append("+ ").Append(b[y++]).Append('\n');
            }
            return text.Length == 0 ? "(no change)\n" : text.ToString();
        }

        private static string[] Lines(string text)
        {
            if (text.Length == 0) return Array.Empty<string>();
            var lines = new List<string>(text.Replace("\r\n", "\n").Split('\n'));
            if (lines.Count > 0 && lines[lines.Count - 1].Length == 0) lines.RemoveAt(lines.Count - 1);
            return lines.ToArray();
        }
    }
}
