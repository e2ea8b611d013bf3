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
            var lines = File.ReadAllText(path).Replace("\r\n", "\n").Split('\n');
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
    }
}
