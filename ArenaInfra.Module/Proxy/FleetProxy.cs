using System;
using System.Linq;
using System.Security;
using System.Threading;
using ArenaInfra.Common;
using ArenaInfra.RunPod;

namespace ArenaInfra.Proxy
{
    /// <summary>Publishes the whole fleet's nginx config without a question: what a replacement does once for its batch.</summary>
    internal static class FleetProxy
    {
        public static ArenaProxyPublishResult Publish(IRunPodApi api, ArenaConfig config, string? proxyKeyPath, SecureString? passphrase, ArenaHostKeyPolicy policy, IArenaLog log, Action<string> warn, CancellationToken token)
        {
            var pods = api.ListPodsAsync(token).GetAwaiter().GetResult().Where(p => p.IsFleetPod).ToList();
            var text = NginxConfigRenderer.ForFleet(config, pods, config.ProxyNginxLogDirectory, config.ProxyListenAddress, warn,
                name => log.Verbose($"{name} has no public SSH endpoint yet; it gets no proxy port now."));
            using var session = ProxySession.Open(config, proxyKeyPath, passphrase, policy, log, token);
            var current = ProxyConfigPublisher.Current(session.Machine);
            var result = ProxyConfigPublisher.Apply(session.Machine, config.ProxyHost!, text, current, log);
            result.Pods = pods.Count(p => p.Status == ArenaPodStatus.Running && p.SshPort != null);
            return result;
        }
    }
}
