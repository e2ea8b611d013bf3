using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.Access;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Proxy;

namespace ArenaInfra.Cmdlets
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

        [PSDefaultValue(Help = "RosterPath from the config; without one, the one kit with the shared key")]
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? RosterPath { get; set; }

        protected override void EndProcessing()
        {
            var config = EffectiveConfig;
            var folder = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
            if (NothingFromPipeline)
            {
                WriteVerbose("No pods came through the pipeline, so no kit was written.");
                return;
            }
            if (RosterPath != null || config.RosterPath != null)
            {
                WriteRosterKits(config, folder);
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

        /// <summary>Roster mode: a kit for each participant, holding their own key and a config naming their machine only; never the shared key.</summary>
        private void WriteRosterKits(ArenaConfig config, string folder)
        {
            var access = LoadRoster(RosterPath);
            var with = access.Participants.Where(p => access.Keys.ContainsKey(p.Id)).ToList();
            var what = $"Write a kit for each of {with.Count} participant(s), each with their own private key, to '{folder}'";
            if (!ConfirmBatch(what, what + "?", "Write the participant kits", force: false, askUnlessForced: false)) return;
            var options = ParticipantKit.ConfigOptions(config);
            var pods = options.Mode == ArenaSshConfigMode.Proxy ? Array.Empty<ArenaPod>() : ChosenPods();
            foreach (var participant in with)
            {
                var kit = System.IO.Path.Combine(folder, participant.Id);
                try
                {
                    options.OnlyMachine = participant.Machine;
                    var sshConfig = SshConfigRenderer.Render(options, pods, ProxyPortPlan.For(config), name => WriteVerbose($"{name} has no public SSH endpoint yet; it is left out."), WriteWarning);
                    var files = ParticipantKit.Files(config, sshConfig, $"{config.Prefix}-{participant.Machine}");
                    var zip = ParticipantKitWriter.Write(kit, files, ParticipantKit.KeyName(config.Prefix), access.Keys[participant.Id].PrivateKeyPath, Force, Zip);
                    WriteObject(new DirectoryInfo(kit));
                    if (zip != null) WriteObject(new FileInfo(zip));
                }
                catch (ArenaException e)
                {
                    WriteArenaError(e, kit);
                }
                catch (IOException e)
                {
                    WriteArenaError(new ArenaException(ArenaErrorIds.OutputFileWriteFailed, ErrorCategory.WriteError, $"{participant.Participant}'s kit could not be written to '{kit}': {e.Message}", "Check the folder and its permissions."), kit);
                }
            }
        }
    }
}
