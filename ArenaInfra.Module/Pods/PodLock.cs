using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace ArenaInfra.Pods
{
    /// <summary>
    /// RunPod's pod lock. A locked pod's stop, restart and terminate are refused by RunPod with
    /// "400 Pod is locked", whichever client asks, while its actions still list them: so the module
    /// reads ArenaPod.Locked and refuses before it sends anything, and never retries RunPod's 400.
    /// </summary>
    internal static class PodLock
    {
        /// <summary>How a pod is unlocked: on purpose, by its own command, never as a side effect of another.</summary>
        public const string HowToUnlock =
            "Unlock it first (Unlock-ArenaPod <name>, or the pod's menu in RunPod's console), then run the command again.";

        /// <summary>RunPod's own refusal, as its problem detail says it.</summary>
        public static bool IsLockedRefusal(int status, string detail) =>
            status == 400 && detail.IndexOf("pod is locked", System.StringComparison.OrdinalIgnoreCase) >= 0;

        /// <summary>The refusal for a locked pod, said before RunPod is asked: doing is "stopped", "removed", "replaced".</summary>
        public static ArenaException Refusal(ArenaPod pod, string doing) =>
            new ArenaException(ArenaErrorIds.PodLocked, ErrorCategory.PermissionDenied,
                $"{pod.Name}: it is locked in RunPod ({pod.Id}), and RunPod refuses to stop, restart or terminate a locked pod; it was not {doing}, and nothing was sent.",
                HowToUnlock, target: pod);

        /// <summary>Splits pods into the locked ones (refused) and the rest.</summary>
        public static (List<ArenaPod> Unlocked, List<ArenaPod> Locked) Split(IEnumerable<ArenaPod> pods)
        {
            var all = pods.ToList();
            return (all.Where(p => p.Locked != true).ToList(), all.Where(p => p.Locked == true).ToList());
        }
    }
}
