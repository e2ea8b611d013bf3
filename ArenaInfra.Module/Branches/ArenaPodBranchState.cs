namespace ArenaInfra
{
    /// <summary>
    /// One pod's Get-ArenaPodBranch: the course repo's checkout as the pod reports it, read strictly.
    /// Branch is null when HEAD is detached or the pod printed a name outside the allow-list
    /// (BranchRaw then holds what came, terminal-safe); Ahead and Behind are null without an upstream.
    /// </summary>
    public sealed class ArenaPodBranchState : ArenaPodOperationResult
    {
        private string? _branchRaw;

        public string? Branch { get; internal set; }
        /// <summary>What the pod printed as its branch, terminal-safe, when it is not a name this module accepts.</summary>
        public string? BranchRaw { get => _branchRaw; internal set => _branchRaw = value == null ? null : TerminalText.SafeLine(value); }
        public string? Commit { get; internal set; }
        /// <summary>Changed and untracked files, as git status --porcelain counts them.</summary>
        public int? DirtyFiles { get; internal set; }
        public int? Ahead { get; internal set; }
        public int? Behind { get; internal set; }
    }
}
