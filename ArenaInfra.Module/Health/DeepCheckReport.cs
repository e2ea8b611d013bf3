using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using ArenaInfra.Ssh;

namespace ArenaInfra.Health
{
    /// <summary>
    /// Reads what the deep check printed, strictly: the pod sends it, so it may send anything. Only
    /// lines in the script's own shapes count; a check the script does not judge cannot be given a
    /// verdict; a check's worst line wins, so a PASS cannot cover a FAIL; a check that should have
    /// run and did not is a FAIL; and what the module can judge itself (the driver floor, the GPU
    /// counts against RunPod's record) it judges from the facts, never from a verdict the pod sends.
    /// </summary>
    internal sealed class DeepCheckReport
    {
        /// <summary>The checks the script judges, in the order they are shown.</summary>
        private static readonly string[] ScriptChecks = { "load", "nvidia-smi", "torch", "compute", "peer-copy", "nccl", "disk-root", "disk-workspace", "download", "python", "deep-check" };

        /// <summary>Every check in the order shown; the module's own (driver, gpu-count, budget, output) among them. Causes before what they cause: a failed python before the torch it kept from reporting, torch before the GPU count it could not give.</summary>
        private static readonly string[] Order = { "deep-check", "budget", "output", "nvidia-smi", "driver", "python", "torch", "gpu-count", "compute", "peer-copy", "nccl", "disk-root", "disk-workspace", "download", "load" };

        private const int MaxLine = 1024;
        private static readonly Regex Token = new Regex("^[a-z][a-z0-9-]{0,31}$", RegexOptions.CultureInvariant);
        private static readonly Regex Count = new Regex("^[0-9]{1,3}$", RegexOptions.CultureInvariant);
        private static readonly Regex VersionWord = new Regex("^[0-9A-Za-z.+_-]{1,40}$", RegexOptions.CultureInvariant);

        private readonly Dictionary<string, ArenaPodCheck> _checks = new Dictionary<string, ArenaPodCheck>(StringComparer.Ordinal);
        private readonly List<(Version Version, string Text)> _drivers = new List<(Version, string)>();
        private readonly HashSet<int> _smiGpus = new HashSet<int>();
        private readonly HashSet<int> _torchGpus = new HashSet<int>();
        private readonly HashSet<string> _torchCuda = new HashSet<string>(StringComparer.Ordinal);

        /// <summary>The last stage the script said it began; "start" before any.</summary>
        public string Stage { get; private set; } = "start";
        /// <summary>The script printed DONE: it ran to its end.</summary>
        public bool Finished { get; private set; }
        /// <summary>The torch version the pod reported, a plain version word; null when none came.</summary>
        public string? TorchVersion { get; private set; }
        /// <summary>Lines in none of the script's shapes, or naming a check it does not judge: ignored, and counted.</summary>
        public int Ignored { get; private set; }

        public IReadOnlyList<ArenaPodCheck> Checks =>
            _checks.Values.OrderBy(c => Array.IndexOf(Order, c.Name) is var i && i < 0 ? int.MaxValue : i).ToList();

        public bool Passed => Finished && _checks.Values.All(c => c.Verdict != ArenaCheckVerdict.Fail);

        /// <summary>Reads a run's output and judges it for this pod (its booked GPU count from RunPod's record).</summary>
        public static DeepCheckReport Read(CommandOutput output, int bookedGpus, DeepCheckOptions options)
        {
            var report = new DeepCheckReport();
            foreach (var raw in output.StdOut.Split('\n'))
            {
                if (report.Finished) break;
                report.Line(raw.TrimEnd('\r'));
            }
            report.Judge(bookedGpus, options);
            report.Ended(output, options);
            return report;
        }

        private void Line(string line)
        {
            if (line.Length > MaxLine)
            {
                Ignored++;
                return;
            }
            if (line == "DONE")
            {
                Finished = true;
                return;
            }
            var parts = line.Split(new[] { ' ' }, 3);
            if (parts.Length < 2 || !Token.IsMatch(parts[1]))
            {
                if (line.Length > 0) Ignored++;
                return;
            }
            var rest = parts.Length > 2 ? parts[2] : "";
            switch (parts[0])
            {
                case "STAGE":
                    Stage = parts[1];
                    return;
                case "FACT":
                    Fact(parts[1], rest.Trim());
                    return;
                case "PASS":
                case "WARN":
                case "FAIL":
                    if (Array.IndexOf(ScriptChecks, parts[1]) < 0)
                    {
                        Ignored++;
                        return;
                    }
                    Add(parts[1], parts[0] == "PASS" ? ArenaCheckVerdict.Pass : parts[0] == "WARN" ? ArenaCheckVerdict.Warn : ArenaCheckVerdict.Fail, rest);
                    return;
                default:
                    if (line.Length > 0) Ignored++;
                    return;
            }
        }

        private void Fact(string key, string value)
        {
            switch (key)
            {
                case "driver" when DriverFloor.Parse(value) is Version driver:
                    _drivers.Add((driver, value));
                    return;
                case "smi-gpus" when Count.IsMatch(value):
                    _smiGpus.Add(int.Parse(value, CultureInfo.InvariantCulture));
                    return;
                case "torch-gpus" when Count.IsMatch(value):
                    _torchGpus.Add(int.Parse(value, CultureInfo.InvariantCulture));
                    return;
                case "torch-version" when TorchVersion == null && VersionWord.IsMatch(value):
                    TorchVersion = value;
                    return;
                case "torch-cuda" when value == "none" || DriverFloor.Parse(value) != null:
                    _torchCuda.Add(value);
                    return;
                default:
                    Ignored++;
                    return;
            }
        }

        /// <summary>A check's verdict; the worse of two lines for one check stands, and the first reason of a verdict.</summary>
        private void Add(string name, ArenaCheckVerdict verdict, string reason)
        {
            if (_checks.TryGetValue(name, out var had) && had.Verdict >= verdict) return;
            _checks[name] = new ArenaPodCheck(name, verdict, reason);
        }

        private void Judge(int bookedGpus, DeepCheckOptions options)
        {
            JudgeDriver(options);
            JudgeGpuCount(bookedGpus);
            var required = new List<string> { "nvidia-smi", "torch", "compute", "disk-root", "download", "load" };
            if (bookedGpus > 1 || _smiGpus.Any(n => n > 1) || _torchGpus.Any(n => n > 1)) required.AddRange(new[] { "peer-copy", "nccl" });
            foreach (var name in required.Where(n => !_checks.ContainsKey(n)))
            {
                Add(name, ArenaCheckVerdict.Fail, Finished ? "not reported by the check" : $"not reached: the check ended at stage {Stage}");
            }
        }

        private void JudgeDriver(DeepCheckOptions options)
        {
            if (_drivers.Count == 0)
            {
                Add("driver", ArenaCheckVerdict.Fail, "no driver version: nvidia-smi did not report one");
                return;
            }
            // GPUs share one driver; should they differ, the lowest is the one to judge.
            var lowest = _drivers.OrderBy(d => d.Version).First();
            var driver = lowest.Text;
            var floor = options.DriverFloor;
            var why = options.DriverFloorSource;
            if (floor == null)
            {
                // The image's own need: the CUDA its torch was built for. Two answers are one too many.
                var cuda = _torchCuda.Count == 1 ? _torchCuda.Single() : null;
                floor = DriverFloor.ForCuda(cuda);
                why = $"CUDA {cuda} of the image's torch";
                if (floor == null)
                {
                    Add("driver", ArenaCheckVerdict.Warn, $"driver {driver}; no floor known (set MIN_DRIVER_VERSION or ALLOWED_CUDA_VERSIONS)");
                    return;
                }
            }
            if (lowest.Version < floor) Add("driver", ArenaCheckVerdict.Fail, $"driver {driver} is below {DriverFloor.Show(floor)}, the floor for {why}");
            else Add("driver", ArenaCheckVerdict.Pass, $"driver {driver}, at least {DriverFloor.Show(floor)} ({why})");
        }

        private void JudgeGpuCount(int bookedGpus)
        {
            string Say(HashSet<int> seen) => seen.Count == 0 ? "?" : string.Join("/", seen.OrderBy(n => n));
            var counts = _smiGpus.Concat(_torchGpus).Concat(bookedGpus > 0 ? new[] { bookedGpus } : Array.Empty<int>()).Distinct().ToList();
            var text = $"nvidia-smi sees {Say(_smiGpus)}, torch {Say(_torchGpus)}, RunPod booked {(bookedGpus > 0 ? bookedGpus.ToString(CultureInfo.InvariantCulture) : "?")}";
            var agree = _smiGpus.Count == 1 && _torchGpus.Count == 1 && counts.Count == 1;
            Add("gpu-count", agree ? ArenaCheckVerdict.Pass : ArenaCheckVerdict.Fail, text);
        }

        private void Ended(CommandOutput output, DeepCheckOptions options)
        {
            if (output.Cut) Add("output", ArenaCheckVerdict.Fail, $"the output was cut (more than {(CappedOutput.HeadBytes + CappedOutput.TailBytes) / 1024} KB), at stage {Stage}");
            var timedOut = output.TimedOut || (!Finished && (output.ExitCode == 124 || output.ExitCode == 137));
            if (timedOut) Add("budget", ArenaCheckVerdict.Fail, $"did not finish within {options.Budget.TotalSeconds:0} s; reached stage {Stage}");
            else if (!Finished) Add("deep-check", ArenaCheckVerdict.Fail, $"ended at stage {Stage} without finishing (exit code {output.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "none"})");
        }
    }
}
