using System.Linq;
using System.Management.Automation;
using System.Security;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Proxy;

namespace ArenaInfra.Cmdlets
{
    /// <summary>
    /// Publishes the whole fleet's nginx config. It takes no pods: the proxy's config is the fleet's,
    /// and publishing part of it would cut every other participant off.
    /// </summary>
    [Cmdlet(VerbsData.Publish, "ArenaProxyConfig", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(ArenaProxyPublishResult))]
    public sealed class PublishArenaProxyConfigCommand : ArenaApiCmdlet
    {
        [PSDefaultValue(Help = "~/.ssh/id_ed25519, id_ecdsa or id_rsa")]
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ProxyKeyPath { get; set; }

        [Parameter]
        public SecureString? KeyPassphrase { get; set; }

        [Parameter]
        public ArenaHostKeyPolicy HostKeyPolicy { get; set; } = ArenaHostKeyPolicy.AcceptNew;

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void BeginProcessing()
        {
            if (MyInvocation.ExpectingInput)
            {
                ThrowArenaError(new ArenaException(ArenaErrorIds.PipelineInputNotAccepted, ErrorCategory.InvalidArgument,
                    "Publish-ArenaProxyConfig always publishes the whole fleet's config, so it takes no pods from the pipeline; nothing was published.",
                    "Run it on its own: Publish-ArenaProxyConfig. To leave a pod out of the proxy, stop or remove it."));
            }
        }

        protected override void EndProcessing()
        {
            var config = EffectiveConfig;
            var pods = CallRunPod((api, token) => api.ListPodsAsync(token)).Where(p => p.IsFleetPod).ToList();
            try
            {
                var text = NginxConfigRenderer.ForFleet(config, pods, config.ProxyNginxLogDirectory, config.ProxyListenAddress, WriteWarning,
                    name => WriteVerbose($"{name} has no public SSH endpoint yet; it gets no proxy port now."));
                using var session = RunWork(token => ProxySession.Open(config, ProxyKeyPath == null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(ProxyKeyPath), KeyPassphrase, HostKeyPolicy, Log, token));
                var proxy = session.Machine;
                var current = RunWork(_ => ProxyConfigPublisher.Current(proxy));
                var diff = LineDiff.Render(current ?? "", text);
                var target = $"{config.ProxyUser}@{config.ProxyHost}:{proxy.ConfigPath}";
                var what = $"Publish the {config.Prefix} fleet's nginx config to {target}, test it and reload nginx. Changes:\n{diff}";
                if (!ConfirmBatch(what, what + "\nPublish it?", "Publish the proxy config", Force)) return;
                var result = RunWork(_ => ProxyConfigPublisher.Apply(proxy, config.ProxyHost!, text, current, Log));
                result.Pods = pods.Count(p => p.Status == ArenaPodStatus.Running && p.SshPort != null);
                WriteObject(result);
            }
            catch (ArenaException e)
            {
                WriteArenaError(e, config.ProxyHost);
            }
        }
    }
}
