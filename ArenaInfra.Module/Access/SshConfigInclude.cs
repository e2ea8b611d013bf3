using System;
using System.Text;

namespace ArenaInfra.Access
{
    /// <summary>
    /// Adds and removes the two lines that include a fleet's config at the top of ~/.ssh/config.
    /// Pure text: everything else in the user's file is kept byte for byte, line endings included.
    /// </summary>
    internal static class SshConfigInclude
    {
        public static string Marker(string prefix) => $"# ArenaInfra: the {prefix} fleet (Export-ArenaSshConfig -Uninstall removes these two lines)";

        public static string IncludeLine(string fleetFile) => "Include " + SshConfigRenderer.Quote(fleetFile.Replace('\\', '/'));

        /// <summary>The file with the fleet's lines at its very top; unchanged when they are there already.</summary>
        public static string Install(string? existing, string prefix, string fleetFile)
        {
            var original = existing ?? "";
            var newline = original.Contains("\r\n") ? "\r\n" : "\n";
            var block = Marker(prefix) + newline + IncludeLine(fleetFile) + newline;
            if (original.StartsWith(block, StringComparison.Ordinal)) return original;
            return block + Remove(original, prefix);
        }

        /// <summary>The file without the fleet's two lines, wherever they are.</summary>
        public static string Remove(string existing, string prefix)
        {
            var marker = Marker(prefix);
            var result = new StringBuilder(existing.Length);
            var position = 0;
            while (position < existing.Length)
            {
                var end = existing.IndexOf('\n', position);
                var next = end < 0 ? existing.Length : end + 1;
                var line = existing.Substring(position, next - position);
                if (line.TrimEnd('\r', '\n') == marker)
                {
                    // Skip the marker and the Include line after it.
                    var includeEnd = next < existing.Length ? existing.IndexOf('\n', next) : -1;
                    var includeLine = next < existing.Length ? existing.Substring(next, (includeEnd < 0 ? existing.Length : includeEnd + 1) - next) : "";
                    position = includeLine.TrimStart().StartsWith("Include ", StringComparison.Ordinal) ? (includeEnd < 0 ? existing.Length : includeEnd + 1) : next;
                    continue;
                }
                result.Append(line);
                position = next;
            }
            return result.ToString();
        }
    }
}
