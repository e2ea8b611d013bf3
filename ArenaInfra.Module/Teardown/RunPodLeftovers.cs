using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using ArenaInfra.Config;
using ArenaInfra.RunPod;

namespace ArenaInfra.Teardown
{
    /// <summary>
    /// What still bills at RunPod: pods of the fleet in any state but terminated (a stopped pod still pays
    /// for its disk), other pods named with the prefix, and network volumes. When RunPod does not answer,
    /// the line is Unknown with the reason, never Clear.
    /// </summary>
    internal static class RunPodLeftovers
    {
        public static async Task<IReadOnlyList<ArenaTeardownCheck>> PodsAsync(IRunPodApi api, ArenaConfig config, CancellationToken cancellationToken)
        {
            IReadOnlyList<ArenaPod> pods;
            try
            {
                pods = await api.ListPodsAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ArenaException e)
            {
                return new[]
                {
                    new ArenaTeardownCheck(ArenaTeardownKind.FleetPod, $"{config.Prefix}-*", ArenaTeardownState.Unknown, $"RunPod did not list the pods: {e.Message}", "Get-ArenaPod"),
                    new ArenaTeardownCheck(ArenaTeardownKind.OtherPod, $"{config.Prefix}*", ArenaTeardownState.Unknown, $"RunPod did not list the pods: {e.Message}", "Get-ArenaPod -All"),
                };
            }
            var naming = new FleetNaming(config.Prefix);
            var machines = new HashSet<string>(config.MachineNames, StringComparer.Ordinal);
            var fleet = new List<ArenaTeardownCheck>();
            var other = new List<ArenaTeardownCheck>();
            foreach (var pod in pods.Where(p => p.Status != ArenaPodStatus.Terminated).OrderBy(p => p.Name, StringComparer.Ordinal))
            {
                var machine = naming.MachineNameOf(pod.Name);
                var inFleet = machine != null && machines.Contains(machine);
                if (!inFleet && !pod.Name.StartsWith(config.Prefix, StringComparison.OrdinalIgnoreCase)) continue;
                var id = LocalLeftovers.Quote(UntrustedValue.Printable(pod.Id));
                var detail = $"{pod.Status}" + (pod.Status == ArenaPodStatus.Stopped ? ", still billing its disk" : ", billing") + $" (id {UntrustedValue.Printable(pod.Id)})";
                var check = pod.ProviderProblem != null
                    // Its provider did not answer: the pod may be gone or billing; only asking again can tell.
                    ? new ArenaTeardownCheck(inFleet ? ArenaTeardownKind.FleetPod : ArenaTeardownKind.OtherPod, UntrustedValue.Printable(pod.Name), ArenaTeardownState.Unknown,
                        $"{pod.ProviderProblem} (id {UntrustedValue.Printable(pod.Id)})", "Get-ArenaPod")
                    : pod.Provider == ArenaProvider.Static
                    ? new ArenaTeardownCheck(ArenaTeardownKind.FleetPod, UntrustedValue.Printable(pod.Name), ArenaTeardownState.Left,
                        "a machine made by hand, still in the hosts file (ARENA_HOSTS); the module cannot stop or remove it",
                        "Stop or delete it in its provider's console, then remove its line from ARENA_HOSTS")
                    : new ArenaTeardownCheck(inFleet ? ArenaTeardownKind.FleetPod : ArenaTeardownKind.OtherPod, UntrustedValue.Printable(pod.Name), ArenaTeardownState.Left,
                        inFleet ? detail : detail + "; named with the prefix, not one of the config's machines",
                        $"Remove-ArenaPod -Id {id} -Force" + (inFleet ? "" : " -All"));
                (inFleet ? fleet : other).Add(check);
            }
            if (fleet.Count == 0) fleet.Add(new ArenaTeardownCheck(ArenaTeardownKind.FleetPod, $"{config.Prefix}-*", ArenaTeardownState.Clear, "no pod of the fleet is left"));
            if (other.Count == 0) other.Add(new ArenaTeardownCheck(ArenaTeardownKind.OtherPod, $"{config.Prefix}*", ArenaTeardownState.Clear, "no other pod is named with the prefix"));
            return fleet.Concat(other).ToList();
        }

        public static async Task<IReadOnlyList<ArenaTeardownCheck>> VolumesAsync(IRunPodApi api, CancellationToken cancellationToken)
        {
            const ArenaTeardownKind kind = ArenaTeardownKind.NetworkVolume;
            IReadOnlyList<ArenaNetworkVolume> volumes;
            try
            {
                volumes = await api.ListNetworkVolumesAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ArenaException e)
            {
                return new[] { new ArenaTeardownCheck(kind, "network volumes", ArenaTeardownState.Unknown, $"RunPod did not list the network volumes: {e.Message}", "https://www.runpod.io/console/user/storage") };
            }
            if (volumes.Count == 0) return new[] { new ArenaTeardownCheck(kind, "network volumes", ArenaTeardownState.Clear, "the account has no network volume") };
            // The module never deletes a volume (it may hold more than this program's data): the console does.
            return volumes.OrderBy(v => v.Name, StringComparer.Ordinal).Select(v => new ArenaTeardownCheck(kind, UntrustedValue.Printable(v.Name), ArenaTeardownState.Left,
                $"a network volume (id {UntrustedValue.Printable(v.Id)}, {(v.SizeGb is int gb ? gb + " GB" : "size not given")}, {UntrustedValue.Printable(v.DataCenter)}) bills while it exists",
                $"Invoke-RestMethod -Method Delete -Uri 'https://rest.runpod.io/v2/network-volumes/{Uri.EscapeDataString(v.Id)}' -Headers @{{ Authorization = \"Bearer $key\" }}")).ToList();
        }
    }
}
