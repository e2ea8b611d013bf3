using System;
using System.IO;
using System.Management.Automation;
using ArenaInfra.Access;
using ArenaInfra.Cmdlets.Base;

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
                if (!ConfirmBatch(installation.UninstallAction, installation.UninstallAction + "?", "Uninstall the ssh config", force: false, askUnlessForced: false)) return;
                WriteVerbose(installation.UninstallOutcome(installation.Uninstall()));
                return;
            }

            var text = Render(installation, out var export);
            if (text == null) return;

            if (Install)
            {
                if (!ConfirmBatch(installation.InstallAction, installation.InstallAction + "?", "Install the ssh config", force: false, askUnlessForced: false)) return;
                try
                {
                    // One line, shown as Write-Host shows it: which mode was chosen, where it points, what changed.
                    WriteInformation($"{export.Describe()} {installation.InstallOutcome(installation.Install(text))}", new[] { "PSHOST", "ArenaInfra" });
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

        /// <summary>The fleet's config for the chosen pods; null when an empty pipeline gave none.</summary>
        private string? Render(SshConfigInstallation installation, out SshConfigExport export)
        {
            try
            {
                export = SshConfigExport.For(EffectiveConfig, Mode, IdentityFile, HostKeyChecking, installation.KnownHostsFile);
            }
            catch (ArenaException e)
            {
                throw Terminating(e);
            }
            if (NothingFromPipeline)
            {
                WriteVerbose("No pods came through the pipeline, so no config was written.");
                return null;
            }
            var pods = ChosenPods();
            try
            {
                return export.Render(pods, WriteVerbose, WriteWarning);
            }
            catch (ArenaException e)
            {
                throw Terminating(e);
            }
        }
    }
}
