using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;

namespace ArenaInfra.Idle
{
    /// <summary>
    /// What the idle probe printed, read strictly: the pod sends it, so it may send anything. Only the
    /// lines between the begin and end lines with this run's nonce count; each reading in its own shape,
    /// numbers bounded; a reading sent twice, out of shape or out of bounds is unknown, never a guess.
    /// </summary>
    internal sealed class IdleReadings
    {
        private const int MaxLine = 256;
        private const int MaxGpus = 64;
        /// <summary>About 300 years of seconds: anything larger is not a clock or an uptime.</summary>
        private const long MaxSeconds = 10_000_000_000;
        private const long MaxMemoryMiB = 10_000_000;
        private static readonly Regex Number = new Regex("^[0-9]{1,11}$", RegexOptions.CultureInvariant);

        public long? Now { get; private set; }
        public long? UptimeSeconds { get; private set; }
        public int? SshSessions { get; private set; }
        public int? Inbound { get; private set; }
        public int? VsCode { get; private set; }
        public int? GpuUtilization { get; private set; }
        public long? GpuMemoryMiB { get; private set; }
        /// <summary>The newest file change in seconds since 1970; null when unknown or when there is no file (NoFiles).</summary>
        public long? NewestFile { get; private set; }
        public bool NoFiles { get; private set; }
        /// <summary>The probe ran to its end line.</summary>
        public bool Finished { get; private set; }
        /// <summary>Lines not in the probe's shapes, or repeated: ignored, and counted.</summary>
        public int Ignored { get; private set; }

        private readonly Dictionary<string, string> _values = new Dictionary<string, string>(StringComparer.Ordinal);
        private readonly HashSet<string> _repeated = new HashSet<string>(StringComparer.Ordinal);
        private readonly Dictionary<int, List<string>> _gpu = new Dictionary<int, List<string>>();

        public static IdleReadings Read(string output, string nonce)
        {
            var readings = new IdleReadings();
            var inside = false;
            foreach (var raw in output.Split('\n'))
            {
                var line = raw.TrimEnd('\r');
                if (!inside)
                {
                    inside = line == "ARENA-IDLE-BEGIN " + nonce;
                    continue;
                }
                if (line == "ARENA-IDLE-END " + nonce)
                {
                    readings.Finished = true;
                    break;
                }
                readings.Line(line);
            }
            readings.Interpret();
            return readings;
        }

        private void Line(string line)
        {
            if (line.Length == 0) return;
            if (line.Length > MaxLine)
            {
                Ignored++;
                return;
            }
            var space = line.IndexOf(' ');
            var key = space < 0 ? line : line.Substring(0, space);
            var value = space < 0 ? "" : line.Substring(space + 1);
            switch (key)
            {
                case "NOW":
                case "UPTIME":
                case "SSH":
                case "INBOUND":
                case "VSCODE":
                case "FILES":
                    if (_values.ContainsKey(key)) _repeated.Add(key);
                    else _values[key] = value;
                    return;
                case "GPU":
                    var parts = value.Split(new[] { ' ' }, 2);
                    if (parts.Length == 2 && (parts[0] == "1" || parts[0] == "2" || parts[0] == "3"))
                    {
                        var sample = parts[0][0] - '0';
                        if (!_gpu.TryGetValue(sample, out var lines)) _gpu[sample] = lines = new List<string>();
                        lines.Add(parts[1]);
                        return;
                    }
                    Ignored++;
                    return;
                default:
                    Ignored++;
                    return;
            }
        }

        private void Interpret()
        {
            Ignored += _repeated.Count;
            Now = Long("NOW", MaxSeconds);
            UptimeSeconds = Long("UPTIME", MaxSeconds);
            SshSessions = Count("SSH");
            Inbound = Count("INBOUND");
            VsCode = Count("VSCODE");
            if (Known("FILES", out var files))
            {
                if (files == "none") NoFiles = true;
                else NewestFile = Parse(files, MaxSeconds);
            }
            ReadGpu();
        }

        /// <summary>Known only when each of the three samples gave between 1 and 64 GPU lines, every one in shape, the same count each time.</summary>
        private void ReadGpu()
        {
            if (_gpu.Count != 3 || _gpu.Values.Select(l => l.Count).Distinct().Count() != 1) return;
            var utilization = 0;
            long memory = 0;
            foreach (var line in _gpu.Values.SelectMany(l => l))
            {
                var fields = line.Split(',');
                if (fields.Length != 2 || _gpu[1].Count > MaxGpus) return;
                var util = Parse(fields[0].Trim(), 100);
                var used = Parse(fields[1].Trim(), MaxMemoryMiB);
                if (util == null || used == null) return;
                utilization = Math.Max(utilization, (int)util.Value);
                memory = Math.Max(memory, used.Value);
            }
            GpuUtilization = utilization;
            GpuMemoryMiB = memory;
        }

        private bool Known(string key, out string value)
        {
            value = "";
            if (_repeated.Contains(key) || !_values.TryGetValue(key, out var v)) return false;
            value = v;
            return true;
        }

        private long? Long(string key, long max) => Known(key, out var v) ? Parse(v, max) : null;

        private int? Count(string key) => Long(key, 100_000) is long n ? (int)n : (int?)null;

        private static long? Parse(string text, long max) =>
            Number.IsMatch(text) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= max ? n : (long?)null;
    }
}
