using System;
using System.Collections;
using System.Management.Automation;
using System.Security;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Deploy;
using ArenaInfra.Pods.Create;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet("Deploy", "ArenaPod", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaDeployResult))]
    public sealed class DeployArenaPodCommand : PodCreationCmdlet
    {
        [Parameter]
        public Hashtable? Secrets { get; set; }

        [Parameter]
        public SwitchParameter Lock { get; set; }

        [Parameter]
        public SwitchParameter PublishEach { get; set; }

        [Parameter]
        public SwitchParameter NoPublish { get; set; }

        [Parameter]
        [ValidateSet("CopyKey", "SshConfig", "Git", "Workspace", "Name", "VsCode", IgnoreCase = true)]
        public string[]? SkipSetup { get; set; }

        [Parameter]
        [ValidateRange(0, 10)]
        public int MaxReplacements { get; set; } = 2;

        [PSDefaultValue(Help = "the deep check (Test-ArenaPod -Deep)")]
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? TestCommand { get; set; }

        [PSDefaultValue(Help = "0, for the config's ThrottleLimit (32 unless set)")]
        [Parameter]
        [ValidateRange(0, 256)]
        public int ThrottleLimit { get; set; }

        [Parameter]
        [ValidateRange(1, 86400)]
        public int TimeoutSec { get; set; } = 900;

        [PSDefaultValue(Help = "~/.ssh/id_ed25519, id_ecdsa or id_rsa")]
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ProxyKeyPath { get; set; }

        [Parameter]
        [ValidateRange(1, 600)]
        public int ConnectTimeoutSec { get; set; } = 10;

        [Parameter]
        public ArenaHostKeyPolicy HostKeyPolicy { get; set; } = ArenaHostKeyPolicy.AcceptNew;

        [Parameter]
        public SecureString? KeyPassphrase { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void EndProcessing()
        {
            if (NothingAsked) return;
            var options = new DeployOptions
            {
                Request = Request(),
                Secrets = SecretsOf(Secrets),
                Lock = Lock,
                PublishEach = PublishEach,
                NoPublish = NoPublish,
                SkipSetup = new System.Collections.Generic.HashSet<string>(SkipSetup ?? Array.Empty<string>(), StringComparer.OrdinalIgnoreCase),
                MaxReplacements = MaxReplacements,
                ThrottleLimit = ThrottleLimit,
                ReadyTimeout = TimeSpan.FromSeconds(TimeoutSec),
                TestCommand = TestCommand,
                ProxyKeyPath = ProxyKeyPath == null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(ProxyKeyPath),
                KeyPassphrase = KeyPassphrase,
                HostKeyPolicy = HostKeyPolicy,
            };
            // One creator at a time on this machine, for the whole run: a replacement creates too.
            using var fleetLock = TakeFleetLock("deployed");
            var config = EffectiveConfig;
            var host = new CmdletRepairHost(this, Force,
                () => SshCommandSettings.Open(config, KeyPassphrase, HostKeyPolicy, ConnectTimeoutSec, Log),
                settings => SshCommandSettings.Release(settings, this),
                () => SshCommandSettings.Route(ArenaSshRoute.Direct, config),
                () => LoadRoster(null));
            var batch = new DeployBatch(Api, config, options, CreateJournal.Open(), DeployJournal.Open(), host);
            var outcome = host.EndsCommand(() => batch.Run(WriteObject), batch.Stopped);
            if (outcome != null) WriteSummary(outcome.Summary, outcome.AnyFailed);
        }
    }
}
