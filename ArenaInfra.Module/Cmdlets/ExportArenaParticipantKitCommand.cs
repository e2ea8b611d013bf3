using System;
using System.IO;
using System.Management.Automation;
using ArenaInfra.Access;
using ArenaInfra.Cmdlets.Base;

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
            ParticipantKitBuilder kits;
            try
            {
                // Without a roster the kit carries the shared private key: its whole purpose is to hand it to participants.
                kits = RosterPath != null || config.RosterPath != null ? ParticipantKitBuilder.ForRoster(config, LoadRoster(RosterPath), folder) : ParticipantKitBuilder.Shared(config, folder);
            }
            catch (ArenaException e)
            {
                throw Terminating(e);
            }
            if (!ConfirmBatch(kits.Action, kits.Action + "?", kits.Caption, force: false, askUnlessForced: false)) return;
            var pods = kits.NeedsPods ? ChosenPods() : Array.Empty<ArenaPod>();
            foreach (var kit in kits.Kits)
            {
                try
                {
                    var zip = kits.Write(kit, pods, Force, Zip, WriteVerbose, WriteWarning);
                    WriteObject(new DirectoryInfo(kit.Folder));
                    if (zip != null) WriteObject(new FileInfo(zip));
                }
                catch (ArenaException e)
                {
                    WriteArenaError(e, kit.Folder);
                }
                catch (IOException e)
                {
                    WriteArenaError(kit.WriteFailed(e), kit.Folder);
                }
            }
        }
    }
}
