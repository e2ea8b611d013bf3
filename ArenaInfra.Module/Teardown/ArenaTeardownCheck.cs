namespace ArenaInfra
{
    /// <summary>What one line of the teardown audit found. Unknown is never Clear: it says why it could not tell.</summary>
    public enum ArenaTeardownState
    {
        Clear,
        Left,
        Unknown,
    }

    /// <summary>What kind of thing a teardown line is about.</summary>
    public enum ArenaTeardownKind
    {
        FleetPod,
        OtherPod,
        NetworkVolume,
        ScheduledTask,
        ProxyForward,
        ParticipantKey,
        StoredApiKey,
        LlmKey,
    }

    /// <summary>One line of Test-ArenaTeardown: what is checked, what was found, and the command that fixes it.</summary>
    public sealed class ArenaTeardownCheck
    {
        internal ArenaTeardownCheck(ArenaTeardownKind kind, string item, ArenaTeardownState state, string detail, string? fix = null)
        {
            Kind = kind;
            Item = TerminalText.SafeLine(item);
            State = state;
            Detail = TerminalText.SafeLine(detail);
            Fix = fix == null ? null : TerminalText.SafeLine(fix);
        }

        public ArenaTeardownKind Kind { get; }
        /// <summary>The pod, volume, task, forward or file, made terminal-safe (it may come from RunPod or the proxy).</summary>
        public string Item { get; }
        public ArenaTeardownState State { get; }
        /// <summary>✓ (Clear), ✗ (Left) or ? (Unknown).</summary>
        public string Mark => State == ArenaTeardownState.Clear ? "\u2713" : State == ArenaTeardownState.Left ? "\u2717" : "?";
        public string Detail { get; }
        /// <summary>The command that clears it; null when there is nothing to do.</summary>
        public string? Fix { get; }

        public override string ToString() => $"{Mark} {Kind} {Item}: {Detail}";
    }

    /// <summary>The audit's counts, as the summary line gives them.</summary>
    public sealed class ArenaTeardownSummary
    {
        internal ArenaTeardownSummary(int clear, int left, int unknown)
        {
            Clear = clear;
            Left = left;
            Unknown = unknown;
        }

        public int Clear { get; }
        public int Left { get; }
        public int Unknown { get; }
        /// <summary>True only when nothing is left and nothing is unknown.</summary>
        public bool AllClear => Left == 0 && Unknown == 0;

        public override string ToString() =>
            $"Test-ArenaTeardown: {Clear} clear, {Left} left, {Unknown} unknown" + (AllClear ? "; nothing is left billing." : "; not torn down.");
    }
}
