using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace ArenaInfra.Providers
{
    /// <summary>
    /// Which machines a stop, start, remove or replace may touch, decided before anything is asked or
    /// sent: a machine made by hand has no provider the module can ask (its lifecycle is the organiser's),
    /// and a machine whose provider did not answer is in a state nobody knows, which nothing destructive follows.
    /// </summary>
    internal static class ProviderLifecycle
    {
        /// <summary>replacing: a replacement is made by RunPod's create, with RunPod's catalog and fallback, so only RunPod's pods are replaced.</summary>
        public static (List<ArenaPod> Able, List<ArenaPod> Refused) Split(IEnumerable<ArenaPod> pods, bool replacing = false)
        {
            var all = pods.ToList();
            return (all.Where(p => Can(p, replacing)).ToList(), all.Where(p => !Can(p, replacing)).ToList());
        }

        private static bool Can(ArenaPod pod, bool replacing) =>
            pod.ProviderProblem == null && (replacing ? pod.Provider == ArenaProvider.RunPod : pod.Provider != ArenaProvider.Static);

        /// <summary>The refusal, said before anything is sent: doing is "stopped", "started", "removed", "replaced".</summary>
        public static ArenaException Refusal(ArenaPod pod, string doing) => pod.ProviderProblem == null && pod.Provider == ArenaProvider.Vast
            ? new ArenaException(ArenaErrorIds.NotSupportedByProvider, ErrorCategory.InvalidOperation,
                $"{pod.Name}: it is a Vast.ai machine, and a replacement is made on RunPod only, so it was not {doing}, and nothing was done.",
                $"Replace it by hand: Remove-ArenaPod -Name {pod.MachineName ?? pod.Name} -Force, then New-ArenaPod -Name {pod.MachineName ?? pod.Name} -Provider Vast.", target: pod)
            : pod.Provider == ArenaProvider.Static && pod.ProviderProblem == null
            ? new ArenaException(ArenaErrorIds.NotSupportedByProvider, ErrorCategory.InvalidOperation,
                $"{pod.Name}: it is a machine made by hand (listed in the hosts file, ARENA_HOSTS): the module cannot have it {doing}, and nothing was done.",
                "Do it in the console of whoever hosts the machine; to take it out of the fleet, remove its line from ARENA_HOSTS.", target: pod)
            : new ArenaException(ArenaErrorIds.ProviderUnavailable, ErrorCategory.ResourceUnavailable,
                $"{pod.Name}: {pod.ProviderProblem}. Its state is not known, so it was not {doing}, and nothing was sent.",
                $"Run the command again once {pod.Provider} answers (Get-ArenaPod shows the machine's state).", target: pod);
    }
}
