using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security;
using System.Text.RegularExpressions;
using ArenaInfra.Common;
using ArenaInfra.Config;

namespace ArenaInfra.Repair
{
    /// <summary>
    /// The secrets a replacement sets again: each variable a SecureString (one value for every pod) or a
    /// 'host,key' CSV (a value a pod, matched as Set-ArenaPodSecret matches it). Read once, before any
    /// pod is touched; values are matched to the new pods by name, since their ids are new.
    /// </summary>
    internal static class RepairSecrets
    {
        /// <summary>A CSV given by its (resolved) path.</summary>
        internal sealed class CsvFile
        {
            public CsvFile(string path) => Path = path;
            public string Path { get; }
        }

        private static readonly Regex VariableName = new Regex("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant);

        public static Func<ArenaPod, IReadOnlyList<(string Name, string Value)>> For(IReadOnlyList<(string Variable, object? Value)> given, IReadOnlyList<ArenaPod> pods, IList<string> warnings)
        {
            var same = new List<(string, string)>();
            var byName = new Dictionary<string, List<(string, string)>>(StringComparer.Ordinal);
            foreach (var (variable, value) in given)
            {
                if (!VariableName.IsMatch(variable))
                {
                    throw new ArenaException(ArenaErrorIds.InvalidArgument, ErrorCategory.InvalidArgument,
                        $"-Secrets: '{UntrustedValue.Printable(variable)}' is not an environment variable name; nothing was done.", "Use names such as OPENAI_API_KEY.");
                }
                if (value is SecureString secure)
                {
                    same.Add((variable, Secrets.ToPlainText(secure)));
                }
                else if (value is CsvFile csv)
                {
                    if (!File.Exists(csv.Path))
                    {
                        throw new ArenaException(ArenaErrorIds.CsvFileNotFound, ErrorCategory.ObjectNotFound,
                            $"-Secrets {variable}: the file '{csv.Path}' does not exist; nothing was done.", "Give the CSV's path, or a SecureString for one value for every pod.", target: csv.Path);
                    }
                    foreach (var pair in SecretCsv.ValuesByPodId(csv.Path, pods, warnings))
                    {
                        var pod = pods.First(p => p.Id == pair.Key);
                        if (!byName.TryGetValue(pod.Name, out var list)) byName[pod.Name] = list = new List<(string, string)>();
                        list.Add((variable, pair.Value));
                    }
                }
                else
                {
                    throw new ArenaException(ArenaErrorIds.InvalidArgument, ErrorCategory.InvalidArgument,
                        $"-Secrets {variable}: give a SecureString or the path of a CSV; a plain-text value is refused, so that it never lands in a history or transcript.",
                        "Use (Read-Host -AsSecureString), or the path of a 'host,key' CSV.");
                }
            }
            var all = same.Concat(byName.Values.SelectMany(v => v)).Select(v => v.Item2);
            if (all.Any(v => v.IndexOfAny(new[] { '\n', '\r', '\0' }) >= 0))
            {
                throw new ArenaException(ArenaErrorIds.InvalidArgument, ErrorCategory.InvalidData,
                    "-Secrets: a value holds a line break or a NUL character; nothing was done.", "Give each value on one line (an API key never has a line break).");
            }
            return pod => same.Concat(byName.TryGetValue(pod.Name, out var own) ? own : new List<(string, string)>()).ToList();
        }
    }
}
