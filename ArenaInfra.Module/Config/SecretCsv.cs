using System;
using System.Collections.Generic;
using System.IO;

namespace ArenaInfra.Config
{
    /// <summary>
    /// The old keys/*.csv files: one 'host,key' row a pod (a header row is allowed). A bad row is
    /// reported with its line number and skipped; values are never put in a message.
    /// </summary>
    internal static class SecretCsv
    {
        public static List<(string Host, string Value, int Line)> Read(string path, IList<string> problems)
        {
            var rows = new List<(string, string, int)>();
            var lines = InputFile.ReadText(path, "The CSV file").Replace("\r\n", "\n").Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i].Trim();
                if (i == 0 && line.Length > 0 && line[0] == '\uFEFF') line = line.Substring(1);
                if (line.Length == 0 || line.StartsWith("#", StringComparison.Ordinal)) continue;
                var fields = line.Split(',');
                if (fields.Length != 2 || fields[0].Trim().Length == 0 || fields[1].Trim().Length == 0)
                {
                    problems.Add($"{path} line {i + 1}: expected 'host,key' (two fields, neither empty); the row is skipped.");
                    continue;
                }
                var host = fields[0].Trim().Trim('"');
                if (rows.Count == 0 && string.Equals(host, "host", StringComparison.OrdinalIgnoreCase)) continue; // a header
                rows.Add((host, fields[1].Trim().Trim('"'), i + 1));
            }
            return rows;
        }

        /// <summary>
        /// Each pod's value from the rows, matched by pod name or machine name (case-insensitive). A row
        /// that matches no pod is a warning, never a value set somewhere else.
        /// </summary>
        public static Dictionary<string, string> ValuesByPodId(string path, IReadOnlyList<ArenaPod> pods, IList<string> warnings)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (host, value, line) in Read(path, warnings))
            {
                ArenaPod? match = null;
                foreach (var pod in pods)
                {
                    if (string.Equals(pod.Name, host, StringComparison.OrdinalIgnoreCase) || string.Equals(pod.MachineName, host, StringComparison.OrdinalIgnoreCase)) { match = pod; break; }
                }
                if (match == null) warnings.Add($"{path} line {line}: '{host}' matches no chosen pod; the row is skipped.");
                else values[match.Id] = value;
            }
            return values;
        }
    }
}
