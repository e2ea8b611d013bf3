using System.Management.Automation;
using System.Security;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Proxy;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsData.Initialize, "ArenaProxy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(ArenaProxyInitializeResult))]
    public sealed class InitializeArenaProxyCommand : ArenaApiCmdlet
    {
        [Parameter]
        public SwitchParameter SkipInstall { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        [PSDefaultValue(Help = "~/.ssh/id_ed25519, id_ecdsa or id_rsa")]
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
            if (config.ProxyHost == null)
            {
                ThrowArenaError(new ArenaException(ArenaErrorIds.ProxyHostMissing, ErrorCategory.InvalidArgument,
                    "ProxyHost (SSH_PROXY_HOST) is not set, so there is no proxy to prepare.", "Set SSH_PROXY_HOST in the config file."));
            }
            var what = $"Prepare {config.ProxyUser}@{config.ProxyHost}: {(SkipInstall ? "" : "install nginx with the stream module, ")}include {config.ProxyConfigPath} in {config.ProxyNginxConf}, test and reload nginx";
            if (!ConfirmBatch(what, what + "?", "Prepare the proxy", Force)) return;
            try
            {
                using var session = RunWork(token => ProxySession.Open(config, ProxyKeyPath == null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(ProxyKeyPath), KeyPassphrase, HostKeyPolicy, Log, token));
                WriteObject(RunWork(_ => ProxyConfigPublisher.Initialize(session.Machine, config.ProxyHost!, config.Prefix, !SkipInstall, Log)));
                WriteVerbose("The proxy is ready: publish the fleet's config with Publish-ArenaProxyConfig.");
            }
            catch (ArenaException e)
            {
                WriteArenaError(e, config.ProxyHost);
            }
        }
    }
}
