using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.Access;
using ArenaInfra.Cmdlets.Base;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsCommon.New, "ArenaParticipantKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(ArenaParticipantKey))]
    public sealed class NewArenaParticipantKeyCommand : ArenaApiCmdlet
    {
        private readonly List<ArenaParticipant> _piped = new List<ArenaParticipant>();

        [Parameter(ValueFromPipeline = true)]
        [ValidateNotNull]
        public ArenaParticipant[]? Participant { get; set; }

        [PSDefaultValue(Help = "RosterPath from the config")]
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? RosterPath { get; set; }

        protected override void ProcessRecord()
        {
            if (Participant != null) _piped.AddRange(Participant);
        }

        protected override void EndProcessing()
        {
            var config = EffectiveConfig;
            if (MyInvocation.ExpectingInput && _piped.Count == 0) return;
            var participants = _piped.Count > 0 ? _piped : ReadRoster(config);
            var keys = new ParticipantKeys(config.ParticipantKeyFolder);
            var missing = participants.Where(p => keys.Find(p) == null).ToList();
            var what = $"Make ed25519 keys for {missing.Count} participant(s) in {keys.Folder}: {string.Join(", ", missing.Select(p => p.Id))}";
            if (missing.Count > 0 && !ConfirmBatch(what, what + "?", "Participant keys", force: false, askUnlessForced: false))
            {
                return;
            }
            foreach (var participant in participants)
            {
                var key = keys.Ensure(participant);
                WriteVerbose(key.Created ? $"{participant.Participant}: made {key.PrivateKeyPath}." : $"{participant.Participant}: has a key already ({key.PrivateKeyPath}); it is kept.");
                WriteObject(key);
            }
        }

        private List<ArenaParticipant> ReadRoster(ArenaConfig config)
        {
            var path = RosterPath != null ? SessionState.Path.GetUnresolvedProviderPathFromPSPath(RosterPath) : config.RosterPath;
            if (path == null)
            {
                ThrowArenaError(new ArenaException(ArenaErrorIds.RosterMissing, ErrorCategory.InvalidArgument,
                    "There is no roster: RosterPath (ARENA_ROSTER) is not set in the config, and -RosterPath was not given.",
                    "Give -RosterPath, pipe Import-ArenaRoster, or name the roster in the config (ARENA_ROSTER=...)."));
            }
            var warnings = new List<string>();
            try
            {
                var participants = Roster.Read(path!, config.MachineNames, warnings);
                foreach (var warning in warnings) WriteWarning(warning);
                return participants;
            }
            catch (ArenaException e)
            {
                throw Terminating(e, path);
            }
        }
    }
}
