using System.Collections.Generic;
using System.Linq;

namespace ArenaInfra.Pods
{
    /// <summary>
    /// What a stop would erase, said before anything is erased. RunPod wipes a pod's container disk
    /// on every stop: only its volume survives, and a pod with no volume loses everything (with the
    /// old scripts' defaults, the participant's whole home: the course repo, deploy key, secrets and
    /// uncommitted work).
    /// </summary>
    internal sealed class PodStopPlan
    {
        private PodStopPlan(IReadOnlyList<ArenaPod> pods)
        {
            Pods = pods;
            WithoutVolume = pods.Where(p => !p.HasVolume).ToList();
        }

        public IReadOnlyList<ArenaPod> Pods { get; }

        /// <summary>Pods with no volume at all: a stop erases every file on them.</summary>
        public IReadOnlyList<ArenaPod> WithoutVolume { get; }

        public static PodStopPlan For(IReadOnlyList<ArenaPod> pods) => new PodStopPlan(pods);

        public string Action => $"Stop {Names(Pods)}. {Erased}";

        public string Question => $"Stop {Names(Pods)}? {Erased} They can be started again, on the same host, with a fresh container disk.";

        private string Erased =>
            "A stop erases each pod's container disk: everything outside its volume" + Mounts + " is lost." +
            (WithoutVolume.Count == 0 ? "" : $" No volume at all, so every file on it is erased: {string.Join(", ", WithoutVolume.Select(p => p.Name))}.");

        private string Mounts
        {
            get
            {
                var mounts = Pods.Where(p => p.VolumeMountPath != null).Select(p => p.VolumeMountPath!).Distinct().ToList();
                return mounts.Count == 1 ? $" ({mounts[0]})" : "";
            }
        }

        /// <summary>The refusal when pods without a volume would be stopped without -AllowDataLoss.</summary>
        public ArenaException DataLossNotAllowed()
        {
            var names = string.Join(", ", WithoutVolume.Select(p => p.Name));
            var pattern = string.Join(", ", WithoutVolume.Select(p => p.MachineName ?? p.Name));
            return new ArenaException(ArenaErrorIds.DataLossNotAllowed, System.Management.Automation.ErrorCategory.InvalidOperation,
                $"{names}: no volume, so a stop erases every file on {(WithoutVolume.Count == 1 ? "it" : "them")} (the home folder with the course repo, the deploy key, the secrets and all uncommitted work); nothing was stopped.",
                $"Keep the work first (Save-ArenaPodWork -Name {pattern} -Label <day>; Backup-ArenaPod -Name {pattern} -Label <day>), then stop with -AllowDataLoss.");
        }

        private static string Names(IReadOnlyList<ArenaPod> pods) =>
            $"{pods.Count} pod{(pods.Count == 1 ? "" : "s")} ({string.Join(", ", pods.Select(p => p.Name))})";
    }
}
