using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.Common;
using ArenaInfra.Config;

namespace ArenaInfra.Static
{
    /// <summary>
    /// The hosts file (ARENA_HOSTS): a CSV of machines made by hand, header 'machine,host,port,user' and
    /// an optional 'gpu' column. Read through InputFile (a regular file, at most 1 MB) and strictly:
    /// every value goes through the gate it would meet from RunPod (UntrustedValue), a machine is named
    /// once, and a single bad line refuses the whole file, each bad line named with its fix, since a
    /// line skipped would drop a machine from the fleet without anyone seeing it.
    /// </summary>
    internal static class HostsFile
    {
        public const string What = "The hosts file";
        /// <summary>The gpu note as shown: one line, bounded like the status page's GPU.</summary>
        public const int MaxGpu = 60;
        private const int MaxProblemsShown = 10;

        private static readonly string[] Columns = { "machine", "host", "port", "user" };
        private const string GpuColumn = "gpu";

        /// <summary>The machines of the file at path; ConfigFileNotFound, ConfigFileInvalid or ConfigParseError when it cannot be used.</summary>
        public static IReadOnlyList<StaticMachine> Read(string path, FleetNaming naming)
        {
            if (!File.Exists(path) && !Directory.Exists(path))
            {
                throw new ArenaException(ArenaErrorIds.ConfigFileNotFound, ErrorCategory.ObjectNotFound,
                    $"{What} '{path}' (ARENA_HOSTS) does not exist.",
                    "Write the file (a header 'machine,host,port,user[,gpu]', then one line a machine), or correct ARENA_HOSTS in the config.", target: path);
            }
            return Parse(InputFile.ReadText(path, $"{What} (ARENA_HOSTS)"), path, naming);
        }

        /// <summary>The machines of the text, or ConfigParseError naming every bad line (the first few) and how to write it.</summary>
        public static IReadOnlyList<StaticMachine> Parse(string text, string path, FleetNaming naming)
        {
            var lines = text.Replace("\r\n", "\n").Split('\n');
            var problems = new List<string>();
            var machines = new List<StaticMachine>();
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            bool? hasGpu = null;
            for (var i = 0; i < lines.Length; i++)
            {
                var number = i + 1;
                var line = lines[i];
                if (i == 0 && line.Length > 0 && line[0] == '\uFEFF') line = line.Substring(1);
                if (line.Trim().Length == 0 || line.TrimStart().StartsWith("#", StringComparison.Ordinal)) continue;
                if (line.IndexOf('\r') >= 0 || line.IndexOf('\0') >= 0)
                {
                    problems.Add($"line {number} holds a carriage return or a NUL byte; write one machine a line, plain text");
                    continue;
                }
                var fields = CsvLine.Split(line);
                if (fields == null)
                {
                    problems.Add($"line {number} is not CSV (a quote left open, or a quote inside a field); put a field in double quotes whole, a quote inside it doubled");
                    continue;
                }
                if (hasGpu == null)
                {
                    hasGpu = HeaderHasGpu(fields);
                    if (hasGpu == null)
                    {
                        problems.Add($"line {number} should be the header 'machine,host,port,user' (or 'machine,host,port,user,gpu'), not '{UntrustedValue.Printable(line)}'");
                        break; // without a header no later line can be read
                    }
                    continue;
                }
                var expected = Columns.Length + (hasGpu.Value ? 1 : 0);
                if (fields.Count != expected)
                {
                    problems.Add($"line {number} has {fields.Count} fields, the header {expected}; write '{string.Join(",", Columns)}{(hasGpu.Value ? ",gpu" : "")}'");
                    continue;
                }
                var machine = fields[0];
                var portProblem = PortProblem(fields[2], out var port);
                var problem = MachineProblem(machine, naming) ?? HostProblem(fields[1]) ?? portProblem ?? UserProblem(fields[3]);
                if (problem == null && seen.TryGetValue(machine, out var first))
                {
                    problem = $"the machine '{machine}' is on line {first} already; give each machine one line";
                }
                if (problem != null)
                {
                    problems.Add($"line {number}: {problem}");
                    continue;
                }
                seen[machine] = number;
                var gpu = hasGpu.Value ? Gpu(fields[4]) : null;
                machines.Add(new StaticMachine(machine, fields[1], port, fields[3], gpu, number));
            }
            if (hasGpu == null && problems.Count == 0)
            {
                problems.Add("it has no header; its first line is 'machine,host,port,user' (or 'machine,host,port,user,gpu')");
            }
            if (problems.Count > 0)
            {
                var shown = problems.Take(MaxProblemsShown).ToList();
                if (problems.Count > shown.Count) shown.Add($"and {problems.Count - shown.Count} more");
                throw new ArenaException(ArenaErrorIds.ConfigParseError, ErrorCategory.InvalidData,
                    $"{What} '{path}' (ARENA_HOSTS) cannot be used, so none of its machines is: {string.Join("; ", shown)}.",
                    "Correct those lines: one machine a line as machine,host,port,user[,gpu] (the machine a host-name label, the host an IP address or a host name, the port 1-65535, the user a login name); the gpu column is a note.",
                    target: path);
            }
            return machines;
        }

        /// <summary>False for the four columns, true with gpu after them; null when the line is no header.</summary>
        private static bool? HeaderHasGpu(List<string> fields)
        {
            var names = fields.Select(f => f.ToLowerInvariant()).ToList();
            if (names.Count < Columns.Length || !names.Take(Columns.Length).SequenceEqual(Columns)) return null;
            if (names.Count == Columns.Length) return false;
            return names.Count == Columns.Length + 1 && names[Columns.Length] == GpuColumn ? true : (bool?)null;
        }

        private static string? MachineProblem(string machine, FleetNaming naming)
        {
            if (UntrustedValue.PodNameProblem(machine) != null)
            {
                return $"the machine '{UntrustedValue.Printable(machine)}' is not a host-name label; use lower-case letters, digits and '-' (not first or last)";
            }
            var pod = naming.PodName(machine);
            return UntrustedValue.PodNameProblem(pod) == null ? null
                : $"the machine '{machine}' makes the pod name '{UntrustedValue.Printable(pod)}', longer than a host-name label's 63 characters; use a shorter machine name";
        }

        private static string? HostProblem(string host) =>
            UntrustedValue.HostProblem(host) == null ? null
                : $"the host '{UntrustedValue.Printable(host)}' is neither an IP address nor a host name; write the machine's address as ssh would take it, without user, port or options";

        private static string? PortProblem(string text, out int port)
        {
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && UntrustedValue.PortProblem(port) == null) return null;
            return $"the port '{UntrustedValue.Printable(text)}' is not a TCP port; write the machine's SSH port, a number from 1 to 65535 (22 unless its provider says otherwise)";
        }

        private static string? UserProblem(string user) =>
            UntrustedValue.UserNameProblem(user) == null ? null
                : $"the user '{UntrustedValue.Printable(user)}' is not a login name; use letters, digits, '.', '_' and '-' (not '-' first), such as root or ubuntu";

        private static string? Gpu(string note)
        {
            var line = TerminalText.SafeLine(note).Trim();
            if (line.Length == 0) return null;
            return line.Length <= MaxGpu ? line : line.Substring(0, MaxGpu - 3) + "...";
        }
    }
}
