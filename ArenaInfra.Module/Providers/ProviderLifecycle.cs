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
        public static (List<ArenaPod> Able, List<ArenaPod> Refused) Split(IEnumerable<ArenaPod> pods)
        {
            var all = pods.ToList();
            return (all.Where(Can).ToList(), all.Where(p => !Can(p)).ToList());
        }

        private static bool Can(ArenaPod pod) => pod.Provider != ArenaProvider.Static && pod.ProviderProblem == null;

        /// <summary>The refusal, said before anything is sent: doing is "stopped", "started", "removed", "replaced".</summary>
        public static ArenaException Refusal(ArenaPod pod, string doing) => pod.Provider == ArenaProvider.Static
            ? new ArenaException(ArenaErrorIds.NotSupportedByProvider, ErrorCategory.InvalidOperation,
                $"{pod.Name} is a machine made by hand (listed in the hosts file, ARENA_HOSTS): the module cannot have it {doing}, and nothing was done.",
                "Do it in the console of whoever hosts the machine; to take it out of the fleet, remove its line from ARENA_HOSTS.", target: pod)
            : new ArenaException(ArenaErrorIds.ProviderUnavailable, ErrorCategory.ResourceUnavailable,
                $"{pod.Name}: {pod.ProviderProblem}. Its state is not known, so it was not {doing}, and nothing was sent.",
                $"Run the command again once {pod.Provider} answers (Get-ArenaPod shows the machine's state).", target: pod);
    }
}
