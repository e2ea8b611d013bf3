using System;
using System.Collections.Generic;
using System.Linq;

namespace ArenaInfra.Operations
{
    /// <summary>Get-ArenaPodGpu on one pod: nvidia-smi's view of each GPU.</summary>
    internal sealed class PodGpuOperation : PodOperation<ArenaPodGpuResult>
    {
        public override string Activity => "Asking pods about their GPUs";

        protected override bool Work(PodSession pod, ArenaPodGpuResult result)
        {
            var output = pod.Shell(GpuQuery.Command);
            var statuses = output.ExitCode == 0 ? GpuQuery.Parse(output.StdOut, pod.Pod) : new List<ArenaGpuStatus>();
            result.Gpus = statuses.ToArray();
            if (statuses.Count > 0) return true;
            return pod.Fail("Query", output.TimedOut ? "nvidia-smi did not answer in time" : $"nvidia-smi failed (exit code {output.ExitCode}): {output.StdErr.Trim()}");
        }
    }

    /// <summary>gpu-top's query and its parsing.</summary>
    internal static class GpuQuery
    {
        /// <summary>A result as GPU lines: a pod that does not answer is shown as such, never left out.</summary>
        public static IEnumerable<ArenaGpuStatus> Statuses(ArenaPodGpuResult result) => result.Succeeded
            ? result.Gpus
            : new[]
            {
                new ArenaGpuStatus
                {
                    Name = result.Name,
                    MachineName = result.MachineName,
                    Responding = false,
                    Reconnecting = result.ErrorId == ArenaErrorIds.SshReconnecting,
                    NotRunning = result.ErrorId == ArenaErrorIds.PodNotRunning,
                    Error = result.Error,
                },
            };

        public const string Command = "nvidia-smi --query-gpu=index,name,memory.used,memory.total,utilization.gpu --format=csv,noheader,nounits";

        public static List<ArenaGpuStatus> Parse(string output, ArenaPod pod)
        {
            var statuses = new List<ArenaGpuStatus>();
            foreach (var line in output.Replace("\r", "").Split('\n').Where(l => l.Trim().Length > 0))
            {
                var fields = line.Split(',').Select(f => f.Trim()).ToArray();
                if (fields.Length < 5) continue;
                statuses.Add(new ArenaGpuStatus
                {
                    Name = pod.Name,
                    MachineName = pod.MachineName,
                    Index = Int(fields[0]),
                    FullModel = fields[1],
                    Model = ShortModel(fields[1]),
                    MemoryUsedGB = Gigabytes(fields[2]),
                    MemoryTotalGB = Gigabytes(fields[3]),
                    UtilizationPercent = Int(fields[4]),
                });
            }
            return statuses;
        }

        /// <summary>"NVIDIA RTX A4000" -> A4000, "NVIDIA A100-SXM4-80GB" -> A100-80GB, "NVIDIA GeForce RTX 4090" -> RTX4090.</summary>
        public static string ShortModel(string name)
        {
            var words = name.Split(new[] { ' ', '-' }, StringSplitOptions.RemoveEmptyEntries)
                .Where(w => w != "NVIDIA" && w != "GeForce" && w != "Tesla")
                .ToList();
            if (words.Count == 0) return name;
            string model;
            if (words[0] == "RTX" && words.Count > 1 && char.IsDigit(words[1][0])) model = "RTX" + words[1];
            else if (words[0] == "RTX" && words.Count > 1) model = words[1];
            else model = words[0];
            var memory = words.FirstOrDefault(w => System.Text.RegularExpressions.Regex.IsMatch(w, "^\\d+GB$"));
            return memory == null ? model : model + "-" + memory;
        }

        private static int? Int(string text) => int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : (int?)null;

        private static double? Gigabytes(string mebibytes) =>
            double.TryParse(mebibytes, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var m) ? Math.Round(m / 1024, 1) : (double?)null;
    }
}
