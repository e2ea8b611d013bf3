using System;
using System.IO;
using System.Management.Automation;
using ArenaInfra.Config;
using ArenaInfra.Rendering;

namespace ArenaInfra.Commands
{
    [Cmdlet(VerbsData.Export, "ArenaSshConfig", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = TextSet)]
    [OutputType(typeof(string), ParameterSetName = new[] { TextSet })]
    [OutputType(typeof(FileInfo), ParameterSetName = new[] { PathSet, InstallSet })]
    public sealed class ExportArenaSshConfigCommand : FleetExportCmdlet
    {
        private const string TextSet = "Text";
        private const string PathSet = "Path";
        private const string InstallSet = "Install";
        private const string UninstallSet = "Uninstall";

        /// <summary>Direct (each pod's own address) or Proxy (fixed ports on ProxyHost). Default: Proxy when ProxyHost is set.</summary>
        [Parameter]
        public ArenaSshConfigMode? Mode { get; set; }

        [Parameter(ParameterSetName = PathSet, Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter(ParameterSetName = PathSet)]
        public SwitchParameter Force { get; set; }

        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = InstallSet)]
        public SwitchParameter PassThru { get; set; }

        [Parameter(ParameterSetName = InstallSet, Mandatory = true)]
        public SwitchParameter Install { get; set; }

        [Parameter(ParameterSetName = UninstallSet, Mandatory = true)]
        public SwitchParameter Uninstall { get; set; }

        /// <summary>The key path written into the config; default SharedKeyPath.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? IdentityFile { get; set; }

        [Parameter]
        public ArenaSshHostKeyChecking HostKeyChecking { get; set; } = ArenaSshHostKeyChecking.Off;

        protected override void EndProcessing()
        {
            var config = EffectiveConfig;
            var installation = new SshConfigInstallation(System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh"), config.Prefix);
            if (Uninstall)
            {
                if (!ShouldProcess(installation.UserConfig, $"Remove the {config.Prefix} fleet's Include line and '{installation.FleetFile}'")) return;
                var removed = installation.Uninstall();
                WriteVerbose(removed ? $"Removed the {config.Prefix} fleet's ssh config." : $"The {config.Prefix} fleet's ssh config was not installed.");
                return;
            }

            var mode = Mode ?? (config.ProxyHost == null ? ArenaSshConfigMode.Direct : ArenaSshConfigMode.Proxy);
            if (mode == ArenaSshConfigMode.Proxy && config.ProxyHost == null)
            {
                ThrowArenaError(new ArenaException(ArenaErrorIds.ProxyHostMissing, ErrorCategory.InvalidArgument,
                    "-Mode Proxy needs a proxy, but ProxyHost (SSH_PROXY_HOST) is not set.", "Set SSH_PROXY_HOST in the config file, or use -Mode Direct."));
            }
            var options = new SshConfigOptions
            {
                Mode = mode,
                Prefix = config.Prefix,
                User = config.SshUser,
                IdentityFile = IdentityFile ?? config.SharedKeyPath,
                HostKeyChecking = HostKeyChecking,
                KnownHostsFile = installation.KnownHostsFile,
                ProxyHost = config.ProxyHost,
            };
            var pods = Pods();
            var plan = ProxyPortPlan.For(config);
            if (mode == ArenaSshConfigMode.Proxy) WarnAboutUnlistedNames(plan, pods);
            var text = SshConfigRenderer.Render(options, pods, plan, name => WriteVerbose($"{name} has no public SSH endpoint yet; it is left out."));

            if (Install)
            {
                if (!ShouldProcess(installation.UserConfig, $"Install the {config.Prefix} fleet's ssh config as '{installation.FleetFile}', included from the top of")) return;
                try
                {
                    var (fleetChanged, userChanged) = installation.Install(text);
                    WriteVerbose($"{installation.FleetFile}: {(fleetChanged ? "written" : "up to date")}; {installation.UserConfig}: {(userChanged ? $"Include added (the previous file is kept as {installation.Backup})" : "already includes it")}.");
                }
                catch (IOException e)
                {
                    ThrowArenaError(new ArenaException(ArenaErrorIds.SshConfigInstallFailed, ErrorCategory.WriteError, $"The ssh config could not be installed: {e.Message}", "Check the permissions of ~/.ssh."));
                }
                if (PassThru) WriteObject(new FileInfo(installation.FleetFile));
            }
            else if (Path != null)
            {
                WriteOutputFile(Path, text, Force, PassThru);
            }
            else
            {
                WriteObject(text);
            }
        }
    }
}
