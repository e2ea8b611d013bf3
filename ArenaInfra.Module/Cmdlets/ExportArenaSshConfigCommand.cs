using System;
using System.IO;
using System.Management.Automation;
using ArenaInfra.Access;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Proxy;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsData.Export, "ArenaSshConfig", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(string), typeof(FileInfo))]
    public sealed class ExportArenaSshConfigCommand : FleetExportCmdlet
    {
        [PSDefaultValue(Help = "Proxy when ProxyHost is set, else Direct")]
        [Parameter]
        public ArenaSshConfigMode? Mode { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        [Parameter]
        public SwitchParameter Install { get; set; }

        [Parameter]
        public SwitchParameter Uninstall { get; set; }

        [PSDefaultValue(Help = "SharedKeyPath from the config")]
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? IdentityFile { get; set; }

        [Parameter]
        public ArenaSshHostKeyChecking HostKeyChecking { get; set; } = ArenaSshHostKeyChecking.Off;

        protected override void BeginProcessing()
        {
            if ((Path != null ? 1 : 0) + (Install ? 1 : 0) + (Uninstall ? 1 : 0) > 1)
            {
                ThrowArenaError(new ArenaException(ArenaErrorIds.InvalidArgument, ErrorCategory.InvalidArgument,
                    "-Path, -Install and -Uninstall each say where the config goes; give one of them at most.",
                    "Export-ArenaSshConfig -Path ./arena.conf, or -Install for ~/.ssh/config, or neither to get the text."));
            }
        }

        protected override void EndProcessing()
        {
            var config = EffectiveConfig;
            var installation = new SshConfigInstallation(System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh"), config.Prefix);
            if (Uninstall)
            {
                var removal = $"Remove the {config.Prefix} fleet's Include line from '{installation.UserConfig}' and its file '{installation.FleetFile}'";
                if (!ConfirmBatch(removal, removal + "?", "Uninstall the ssh config", force: false, askUnlessForced: false)) return;
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
            if (NothingFromPipeline)
            {
                WriteVerbose("No pods came through the pipeline, so no config was written.");
                return;
            }
            var pods = ChosenPods();
            var plan = ProxyPortPlan.For(config);
            if (mode == ArenaSshConfigMode.Proxy) ProxyPortPlan.WarnAboutUnlistedNames(plan, pods, WriteWarning);
            string text;
            try
            {
                text = SshConfigRenderer.Render(options, pods, plan, name => WriteVerbose($"{name} has no public SSH endpoint yet; it is left out."), WriteWarning);
            }
            catch (ArenaException e)
            {
                throw Terminating(e);
            }

            if (Install)
            {
                var install = $"Install the {config.Prefix} fleet's ssh config as '{installation.FleetFile}', included from the top of '{installation.UserConfig}'";
                if (!ConfirmBatch(install, install + "?", "Install the ssh config", force: false, askUnlessForced: false)) return;
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
