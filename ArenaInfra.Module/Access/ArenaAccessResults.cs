using System;

namespace ArenaInfra
{
    /// <summary>Sync-ArenaPodAccess's result: who may reach the pod now, and who was added and removed by this sync.</summary>
    public sealed class ArenaPodAccessResult : ArenaPodOperationResult
    {
        /// <summary>The participants the pod trusts now (their ids), besides the organiser.</summary>
        public string[] Participants { get; internal set; } = System.Array.Empty<string>();
        public string[] Added { get; internal set; } = System.Array.Empty<string>();
        public string[] Removed { get; internal set; } = System.Array.Empty<string>();
        /// <summary>False when the pod's authorized_keys was already exactly right (nothing was written).</summary>
        public bool Changed { get; internal set; }
        /// <summary>
        /// Keys the pod trusts outside the module's block (type, SHA256 fingerprint, comment), other than
        /// the block's own (RunPod's PUBLIC_KEY line is the organiser's). A sync leaves them, since a
        /// participant with root can put them back; here they are named.
        /// </summary>
        public string[] UnmanagedKeys { get; internal set; } = System.Array.Empty<string>();
    }

    /// <summary>Test-ArenaPod -AsRoster: one participant's key against one pod, and whether that is as the roster says.</summary>
    public sealed class ArenaRosterAccessResult
    {
        public string Participant { get; internal set; } = "";
        public string Id { get; internal set; } = "";
        /// <summary>The pod's name.</summary>
        public string Name { get; internal set; } = "";
        public string? MachineName { get; internal set; }
        /// <summary>The roster assigns this participant to this machine.</summary>
        public bool Assigned { get; internal set; }
        /// <summary>The pod let the participant's key in.</summary>
        public bool Reached { get; internal set; }
        /// <summary>Where the attempt stopped: Passed, Authenticate, Connect, ...</summary>
        public ArenaTestStage Stage { get; internal set; }
        /// <summary>Not as the roster says: reached a machine not theirs, or refused on their own.</summary>
        public bool Hole => Assigned != Reached;

        /// <summary>
        /// True when the check went as the roster says, false for a hole, null when it could not be made:
        /// the pod was not reached at all (not running, no connection, a host key not its own), so nothing
        /// says whether it would have let the participant in.
        /// </summary>
        public bool? AsRosterSays => Hole ? false : Reached || Stage == ArenaTestStage.Authenticate ? true : (bool?)null;
        private string? _error;

        /// <summary>Why the attempt stopped, terminal-safe (TerminalText).</summary>
        public string? Error { get => _error; internal set => _error = value == null ? null : TerminalText.Safe(value); }

        public override string ToString() => AsRosterSays == null
            ? $"{TerminalText.SafeLine(Participant)} on {TerminalText.SafeLine(Name)}: not reached ({Stage}), so unknown"
            : $"{TerminalText.SafeLine(Participant)} on {TerminalText.SafeLine(Name)}: {(Reached ? "reached" : $"refused at {Stage}")}{(Hole ? " (NOT as the roster says)" : "")}";
    }
}
