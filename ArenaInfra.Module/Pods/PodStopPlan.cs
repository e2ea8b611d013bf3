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
    /// With the course repo on the volume (Initialize-ArenaPod's Workspace step), a stop erases the rest
    /// of the home only; the module takes the repo to be there only when Initialize-ArenaPod saw it
    /// there since the pod last started (WorkspaceRecords.Current), never from the config alone.
    internal sealed class PodStopPlan
    {
        private PodStopPlan(IReadOnlyList<ArenaPod> pods, IReadOnlyDictionary<string, Workspace.WorkspaceRecord> records)
        {
            Pods = pods;
            KeepAll = pods.Where(p => !ErasesOnStop(p)).ToList();
            var erasing = pods.Where(ErasesOnStop).ToList();
            WithoutVolume = erasing.Where(p => !p.HasVolume).ToList();
            RepoOnVolume = erasing.Where(p => p.HasVolume)
                .Select(p => (Pod: p, Record: Workspace.WorkspaceRecords.Current(p, records)))
                .Where(x => x.Record != null).ToDictionary(x => x.Pod.Id, x => x.Record!.RepoPath, System.StringComparer.Ordinal);
            RepoInHome = erasing.Where(p => p.HasVolume && !RepoOnVolume.ContainsKey(p.Id)).ToList();
        }

        /// <summary>RunPod wipes the container disk on a stop; Vast.ai keeps an instance's whole disk until it is destroyed.</summary>
        private static bool ErasesOnStop(ArenaPod pod) => pod.Provider != ArenaProvider.Vast;

        /// <summary>Pods whose provider keeps every file through a stop (Vast.ai).</summary>
        public IReadOnlyList<ArenaPod> KeepAll { get; }

        public IReadOnlyList<ArenaPod> Pods { get; }

        /// <summary>Pods with no volume at all: a stop erases every file on them.</summary>
        public IReadOnlyList<ArenaPod> WithoutVolume { get; }

        /// <summary>Pods with a volume whose course repo was seen on it since they last started: pod id to the repo's place.</summary>
        public IReadOnlyDictionary<string, string> RepoOnVolume { get; }

        /// <summary>Pods with a volume whose course repo is not known to be on it: a stop erases the repo with the home.</summary>
        public IReadOnlyList<ArenaPod> RepoInHome { get; }

        /// <summary>Whether the stop needs -AllowDataLoss: some pod would lose everything, or its course repo.</summary>
        public bool LosesWork => WithoutVolume.Count > 0 || RepoInHome.Count > 0;

        public static PodStopPlan For(IReadOnlyList<ArenaPod> pods) => For(pods, new Dictionary<string, Workspace.WorkspaceRecord>());

        public static PodStopPlan For(IReadOnlyList<ArenaPod> pods, IReadOnlyDictionary<string, Workspace.WorkspaceRecord> records) => new PodStopPlan(pods, records);

        public string Action => $"Stop {Names(Pods)}. {Erased}";

        public string Question => $"Stop {Names(Pods)}? {Erased} They can be started again" + (KeepAll.Count == Pods.Count ? "." : ", on the same host, with a fresh container disk.");

        private string Erased =>
            (KeepAll.Count == 0 ? "" : $"Vast.ai keeps every file through a stop: {string.Join(", ", KeepAll.Select(p => p.Name))}." + (KeepAll.Count == Pods.Count ? "" : " ")) +
            (KeepAll.Count == Pods.Count ? "" : $"A stop erases each {(KeepAll.Count == 0 ? "" : "other ")}pod's container disk: everything outside its volume" + Mounts + " is lost.") +
            (RepoOnVolume.Count == 0 ? "" : $" The course repo is on the volume, so the rest of the home (the container disk: installed packages, files outside the repo) is what is lost: {string.Join(", ", Pods.Where(p => RepoOnVolume.ContainsKey(p.Id)).Select(p => $"{p.Name} ({RepoOnVolume[p.Id]})"))}.") +
            (RepoInHome.Count == 0 ? "" : $" The course repo is not known to be on the volume, so it is erased with the home: {string.Join(", ", RepoInHome.Select(p => p.Name))}.") +
            (WithoutVolume.Count == 0 ? "" : $" No volume at all, so every file on it is erased: {string.Join(", ", WithoutVolume.Select(p => p.Name))}.");

        private string Mounts
        {
            get
            {
                var mounts = Pods.Where(p => p.VolumeMountPath != null).Select(p => p.VolumeMountPath!).Distinct().ToList();
                return mounts.Count == 1 ? $" ({mounts[0]})" : "";
            }
        }

        /// <summary>The refusal when pods would lose everything, or their course repo, without -AllowDataLoss.</summary>
        public ArenaException DataLossNotAllowed()
        {
            var losing = WithoutVolume.Concat(RepoInHome).ToList();
            var pattern = string.Join(", ", losing.Select(p => p.MachineName ?? p.Name));
            var parts = new List<string>();
            if (WithoutVolume.Count > 0)
            {
                parts.Add($"{string.Join(", ", WithoutVolume.Select(p => p.Name))}: no volume, so a stop erases every file on {(WithoutVolume.Count == 1 ? "it" : "them")} (the home folder with the course repo, the deploy key, the secrets and all uncommitted work)");
            }
            if (RepoInHome.Count > 0)
            {
                parts.Add($"{string.Join(", ", RepoInHome.Select(p => p.Name))}: the course repo is not known to be on the volume (Initialize-ArenaPod has not moved it there and checked it since the pod last started), so a stop erases it with the home and all its uncommitted work");
            }
            return new ArenaException(ArenaErrorIds.DataLossNotAllowed, System.Management.Automation.ErrorCategory.InvalidOperation,
                string.Join("; ", parts) + "; nothing was stopped.",
                $"Keep the work first (Save-ArenaPodWork -Name {pattern} -Label <day>; Backup-ArenaPod -Name {pattern} -Label <day>), then stop with -AllowDataLoss"
                + (RepoInHome.Count > 0 ? $"; or move the repo onto the volume first (Initialize-ArenaPod -Name {string.Join(", ", RepoInHome.Select(p => p.MachineName ?? p.Name))} with WORKSPACE_REPO on), and a stop needs no -AllowDataLoss for it." : "."));
        }

        private static string Names(IReadOnlyList<ArenaPod> pods) =>
            $"{pods.Count} pod{(pods.Count == 1 ? "" : "s")} ({string.Join(", ", pods.Select(p => p.Name))})";
    }
}
