using System.Collections.Generic;
using System.Management.Automation;
using ArenaInfra.Access;
using ArenaInfra.Cmdlets.Base;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsData.Import, "ArenaRoster")]
    [OutputType(typeof(ArenaParticipant))]
    public sealed class ImportArenaRosterCommand : ArenaApiCmdlet
    {
        [PSDefaultValue(Help = "RosterPath from the config")]
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        protected override void EndProcessing()
        {
            var config = EffectiveConfig;
            var path = Path != null ? SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path) : config.RosterPath;
            if (path == null)
            {
                ThrowArenaError(new ArenaException(ArenaErrorIds.RosterMissing, ErrorCategory.InvalidArgument,
                    "There is no roster: RosterPath (ARENA_ROSTER) is not set in the config, and -Path was not given.",
                    "Give -Path, or name the roster in the config (ARENA_ROSTER=...)."));
            }
            var warnings = new List<string>();
            List<ArenaParticipant> participants;
            try
            {
                participants = Roster.Read(path!, config.MachineNames, warnings);
            }
            catch (ArenaException e)
            {
                throw Terminating(e, path);
            }
            foreach (var warning in warnings) WriteWarning(warning);
            foreach (var participant in participants) WriteObject(participant);
        }
    }
}
