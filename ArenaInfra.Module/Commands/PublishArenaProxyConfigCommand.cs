using System.Linq;
using System.Management.Automation;
using System.Security;
using ArenaInfra.Ssh;

namespace ArenaInfra.Commands
{
    [Cmdlet(VerbsData.Publish, "ArenaProxyConfig", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(ArenaProxyPublishResult))]
    public sealed class PublishArenaProxyConfigCommand : FleetExportCmdlet
    {
        /// <summary>Your key for the proxy; default ~/.ssh/id_ed25519, id_ecdsa or id_rsa. Never the participants' key.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ProxyKeyPath { get; set; }

        [Parameter]
        public SecureString? KeyPassphrase { get; set; }

        [Parameter]
        public ArenaHostKeyPolicy HostKeyPolicy { get; set; } = ArenaHostKeyPolicy.AcceptNew;

        protected override void EndProcessing()
        {
            var config = EffectiveConfig;
            var pods = Pods();
            var text = RenderNginx(pods, config.ProxyNginxLogDirectory, config.ProxyListenAddress);
            try
            {
                using var session = ProxySession.Open(this, config, ProxyKeyPath, KeyPassphrase, HostKeyPolicy);
                var proxy = session.Machine;
                var current = RunWork(_ => proxy.Read(proxy.ConfigPath));
                var diff = Rendering.LineDiff.Render(current ?? "", text);
                var target = $"{config.ProxyUser}@{config.ProxyHost}:{proxy.ConfigPath}";
                if (!ShouldProcess($"Publish the {config.Prefix} fleet's nginx config to {target}, test it and reload nginx. Changes:\n{diff}", $"Publish to {target}?", "Publish the proxy config"))
                {
                    return;
                }
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
