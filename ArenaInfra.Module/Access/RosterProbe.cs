using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using ArenaInfra.Common;
using ArenaInfra.Operations;

namespace ArenaInfra.Access
{
    /// <summary>
    /// Test-ArenaPod -AsRoster: every participant's own key against every chosen pod. Their machine
    /// must let them in and every other must refuse them; a check that goes otherwise is a hole.
    /// </summary>
    internal sealed class RosterProbe
    {
        private readonly RosterAccess _access;
        private readonly string _command;
        private readonly string _condaEnvName;
        private readonly TimeSpan _timeout;
        private readonly IArenaLog _log;

        /// <param name="command">What each participant runs on each pod; by default 'true', since getting in is the test.</param>
        public RosterProbe(RosterAccess access, string? command, string condaEnvName, TimeSpan timeout, IArenaLog log)
        {
            _access = access;
            _command = command ?? "true";
            _condaEnvName = condaEnvName;
            _timeout = timeout;
            _log = log;
        }

        /// <summary>
        /// Tries each participant who has a key, in roster order; each round's results come back judged
        /// and in pod-name order. tryAs runs one operation over the pods with one participant's key (the
        /// caller owns the connections and the host-key record). Stops between participants when cancelled.
        /// </summary>
        public RosterProbeReport Run(IReadOnlyList<ArenaPod> pods, Func<ArenaParticipantKey, PodTestOperation, IEnumerable<ArenaPodTestResult>> tryAs,
            Action<ArenaRosterAccessResult> onResult, CancellationToken cancellation)
        {
            var report = new RosterProbeReport();
            if (pods.Count == 0) return report;
            foreach (var participant in _access.Participants.Where(p => _access.Keys.ContainsKey(p.Id)))
            {
                if (cancellation.IsCancellationRequested) break;
                _log.Debug($"Trying {participant.Id}'s key on {pods.Count} pod(s).");
                var operation = new PodTestOperation(_command, _condaEnvName) { Timeout = _timeout };
                foreach (var tried in tryAs(_access.Keys[participant.Id], operation).OrderBy(r => r.Name, StringComparer.Ordinal))
                {
                    var result = _access.Judge(participant, pods.First(p => p.Name == tried.Name), tried);
                    report.Add(result);
                    onResult(result);
                }
            }
            return report;
        }
    }

    /// <summary>What a roster probe found: how many checks, and the ones not as the roster says.</summary>
    internal sealed class RosterProbeReport
    {
        private readonly List<string> _holes = new List<string>();
        private readonly List<string> _unknown = new List<string>();

        public int Checks { get; private set; }
        public IReadOnlyList<string> Holes => _holes;
        /// <summary>The checks that could not be made, since the pod was not reached at all: neither yes nor no.</summary>
        public IReadOnlyList<string> Unknown => _unknown;

        public void Add(ArenaRosterAccessResult result)
        {
            Checks++;
            if (result.Hole) _holes.Add(result.ToString());
            else if (result.AsRosterSays == null) _unknown.Add($"{TerminalText.SafeLine(result.Participant)} on {TerminalText.SafeLine(result.Name)}");
        }

        public override string ToString()
        {
            if (_holes.Count == 0 && _unknown.Count == 0) return $"Test-ArenaPod -AsRoster: {Checks} checks, every participant reaches their own machine and no other.";
            var text = $"Test-ArenaPod -AsRoster: {_holes.Count} of {Checks} checks are not as the roster says" + (_holes.Count > 0 ? ": " + string.Join("; ", _holes) : "");
            if (_unknown.Count > 0) text += $"; {_unknown.Count} could not be made (the pod was not reached): {string.Join(", ", _unknown)}";
            return text + (_holes.Count > 0 ? ". Sync-ArenaPodAccess makes the pods trust exactly their people." : ". Check again once those pods answer.");
        }
    }
}
