using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.Config;
using ArenaInfra.Rendering;

namespace ArenaInfra.Commands
{
    [Cmdlet(VerbsData.Export, "ArenaParticipantKit", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(DirectoryInfo), typeof(FileInfo))]
    public sealed class ExportArenaParticipantKitCommand : FleetExportCmdlet
    {
        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "";

        [Parameter]
        public SwitchParameter Zip { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void EndProcessing()
        {
            var config = EffectiveConfig;
            var folder = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
            if (NothingFromPipeline)
            {
                WriteVerbose("No pods came through the pipeline, so no kit was written.");
                return;
            }
            // The kit carries the shared private key: its whole purpose is to hand it to participants.
            if (!File.Exists(config.SharedKeyPath))
            {
                ThrowArenaError(new ArenaException(ArenaErrorIds.SshKeyNotFound, ErrorCategory.ObjectNotFound,
                    $"The shared SSH key '{config.SharedKeyPath}' does not exist, so there is no key to hand out.", "Check SharedKeyPath (Get-ArenaConfig)."));
            }
            var what = $"Write the {config.Prefix} participant kit, with the shared private key, to '{folder}'";
            if (!ConfirmBatch(what, what + "?", "Write the participant kit", force: false, askUnlessForced: false)) return;

            var options = ParticipantKit.ConfigOptions(config);
            // A proxy config names every machine without asking RunPod; a direct one needs the pods.
            var pods = options.Mode == ArenaSshConfigMode.Proxy ? Array.Empty<ArenaPod>() : ChosenPods();
            try
            {
                var sshConfig = SshConfigRenderer.Render(options, pods, ProxyPortPlan.For(config), name => WriteVerbose($"{name} has no public SSH endpoint yet; it is left out."), WriteWarning);
                var files = ParticipantKit.Files(config, sshConfig, $"{config.Prefix}-{config.MachineNames.First()}");
                var zip = ParticipantKitWriter.Write(folder, files, ParticipantKit.KeyName(config.Prefix), config.SharedKeyPath, Force, Zip);
                WriteObject(new DirectoryInfo(folder));
                if (zip != null) WriteObject(new FileInfo(zip));
            }
            catch (ArenaException e)
            {
                WriteArenaError(e, folder);
            }
            catch (IOException e)
            {
                WriteArenaError(new ArenaException(ArenaErrorIds.OutputFileWriteFailed, ErrorCategory.WriteError, $"The kit could not be written to '{folder}': {e.Message}", "Check the folder and its permissions."), folder);
            }
        }
    }
}
