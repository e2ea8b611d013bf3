using System;
using System.Collections.Generic;
using System.Linq;
using ArenaInfra.Common;
using ArenaInfra.Config;
using ArenaInfra.Ssh;

namespace ArenaInfra.Access
{
    /// <summary>
    /// Who may reach which pod in roster mode: the organiser everywhere (the config's SharedKeyPath,
    /// which in roster mode no participant is given), and each participant only the machine the roster
    /// assigns them. Participants without a key yet are named in a warning and trusted nowhere.
    /// </summary>
    internal sealed class RosterAccess
    {
        private RosterAccess(string prefix, IReadOnlyList<ArenaParticipant> participants, IReadOnlyDictionary<string, ArenaParticipantKey> keys, string organiserLine)
        {
            _prefix = prefix;
            Participants = participants;
            Keys = keys;
            OrganiserLine = organiserLine;
        }

        private readonly string _prefix;

        public IReadOnlyList<ArenaParticipant> Participants { get; }
        /// <summary>The participants' keys that exist, by id.</summary>
        public IReadOnlyDictionary<string, ArenaParticipantKey> Keys { get; }
        public string OrganiserLine { get; }

        /// <summary>The roster named by rosterPath (or the config's), read with its warnings, and the keys there are.</summary>
        public static RosterAccess Load(ArenaConfig config, string? rosterPath, IArenaLog log)
        {
            var path = rosterPath ?? config.RosterPath ?? throw new ArenaException(ArenaErrorIds.RosterMissing, System.Management.Automation.ErrorCategory.InvalidArgument,
                "There is no roster: RosterPath (ARENA_ROSTER) is not set in the config, and -RosterPath was not given.",
                "Write a CSV of participant,email,machine rows and name it in the config (ARENA_ROSTER=...), or pass -RosterPath.");
            var warnings = new List<string>();
            var participants = Roster.Read(path, config.MachineNames, warnings);
            foreach (var warning in warnings) log.Warning(warning);
            var store = new ParticipantKeys(config.ParticipantKeyFolder);
            var keys = new Dictionary<string, ArenaParticipantKey>(StringComparer.Ordinal);
            var missing = new List<string>();
            foreach (var participant in participants)
            {
                var key = store.Find(participant);
                if (key != null) keys[participant.Id] = key;
                else missing.Add(participant.Participant);
            }
            if (missing.Count > 0) log.Warning($"{missing.Count} participant(s) have no key yet, so no pod trusts them: {string.Join(", ", missing)}. New-ArenaParticipantKey makes their keys.");
            var organiser = AuthorizedKeysBlock.Line(PublicKeyReader.Read(config.SharedKeyPath, log), AuthorizedKeysBlock.OrganiserId);
            return new RosterAccess(config.Prefix, participants, keys, organiser);
        }

        /// <summary>The machine a pod is: its MACHINE_NAME, else its name without the prefix.</summary>
        public string MachineOf(ArenaPod pod) => pod.MachineName ?? new FleetNaming(_prefix).MachineNameOf(pod.Name) ?? pod.Name;

        public IReadOnlyList<ArenaParticipant> AssignedTo(ArenaPod pod) => Participants.Where(p => p.Machine == MachineOf(pod)).ToList();

        /// <summary>The block a pod's authorized_keys must hold: the organiser, then its participants with keys, by id.</summary>
        public IReadOnlyList<(string Id, string Line)> KeysFor(ArenaPod pod)
        {
            var lines = new List<(string, string)> { (AuthorizedKeysBlock.OrganiserId, OrganiserLine) };
            foreach (var participant in AssignedTo(pod).OrderBy(p => p.Id, StringComparer.Ordinal))
            {
                if (Keys.TryGetValue(participant.Id, out var key)) lines.Add((participant.Id, AuthorizedKeysBlock.Line(key.PublicKey, participant.Id)));
            }
            return lines;
        }

        public IReadOnlyList<string> NamesFor(ArenaPod pod) => AssignedTo(pod).Where(p => Keys.ContainsKey(p.Id)).Select(p => p.Id).OrderBy(id => id, StringComparer.Ordinal).ToList();

        /// <summary>What a participant's attempt on a pod says: reached or refused, and whether that is what the roster wants.</summary>
        public ArenaRosterAccessResult Judge(ArenaParticipant participant, ArenaPod pod, ArenaPodTestResult tried) => new ArenaRosterAccessResult
        {
            Participant = participant.Participant,
            Id = participant.Id,
            Name = pod.Name,
            MachineName = MachineOf(pod),
            Assigned = participant.Machine == MachineOf(pod),
            Reached = tried.Stage == ArenaTestStage.Passed || tried.Stage == ArenaTestStage.Command,
            Stage = tried.Stage,
            Error = tried.Succeeded ? null : tried.Error,
        };

        public PodAccessOperation Operation(TimeSpan timeout) => new PodAccessOperation(KeysFor, NamesFor) { Timeout = timeout };
    }
}
