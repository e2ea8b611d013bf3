using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using ArenaInfra.Ssh;

namespace ArenaInfra.Operations
{
    /// <summary>How an SSH command reaches the pods: its route, its user, the proxy when there is one.</summary>
    internal sealed class PodRoute
    {
        public PodRoute(ArenaSshRoute via, string user, string? proxyHost)
        {
            Via = via;
            User = user;
            ProxyHost = proxyHost;
        }

        public ArenaSshRoute Via { get; }
        public string User { get; }
        public string? ProxyHost { get; }

        /// <summary>Where to connect for this pod, or null when it has no address on this route.</summary>
        public SshTarget? TargetFor(ArenaPod pod) => Via == ArenaSshRoute.Proxy
            ? SshTarget.ViaProxy(pod, ProxyHost!, User)
            : SshTarget.Direct(pod, User);

        public string NoAddress(ArenaPod pod) => Via == ArenaSshRoute.Proxy
            ? "it has no proxy port; pass pods from Get-ArenaPod, which gives every fleet pod its port"
            : "it says it is Running but has no public SSH endpoint (PublicIp and SshPort); refresh it with Get-ArenaPod";
    }

    /// <summary>
    /// Runs one PodOperation over many pods on the fleet runner, and gives back exactly one result a
    /// pod: a pod that is not running, or has no address, gets its result at once without a
    /// connection, the same way in every command.
    /// </summary>
    internal static class PodOperationRunner
    {
        public static async Task RunAsync<T>(IReadOnlyList<ArenaPod> pods, PodOperation<T> operation, PodRoute route, SshSettings settings,
            int throttle, CancellationToken cancellation, Action<T> onResult)
            where T : ArenaPodOperationResult, new()
        {
            var targets = new List<SshTarget>();
            foreach (var pod in pods.GroupBy(p => p.Id, StringComparer.Ordinal).Select(g => g.First()))
            {
                if (pod.Status != ArenaPodStatus.Running)
                {
                    onResult(operation.NotContacted(pod, "NotRunning", ArenaErrorIds.PodNotRunning, NotRunning(pod)));
                    continue;
                }
                // What RunPod reports is checked before it is connected to or written anywhere.
                var problem = UntrustedValue.PodProblem(pod, needsEndpoint: true);
                if (problem != null)
                {
                    onResult(operation.NotContacted(pod, "Connect", ArenaErrorIds.InvalidPodName, $"nothing was done there: {problem}"));
                    continue;
                }
                var target = route.TargetFor(pod);
                if (target == null) onResult(operation.NotContacted(pod, "Connect", ArenaErrorIds.PodEndpointMissing, $"nothing was done there: {route.NoAddress(pod)}"));
                else targets.Add(target);
            }
            await SshFleetRunner.RunAsync(targets, throttle, cancellation,
                (target, token) => operation.Run(target, settings, token),
                (_, result) => onResult(result)).ConfigureAwait(false);
        }

        public static string NotRunning(ArenaPod pod) => pod.Status == ArenaPodStatus.Starting
            ? "the pod is Starting (no public SSH port yet), so nothing was done there"
            : $"the pod is {pod.Status}, so nothing was done there";
    }
}
