using System;

namespace ArenaInfra
{
    /// <summary>What Set-ArenaPodBranch did to a pod's checkout, once it was read back equal to origin's branch.</summary>
    public enum ArenaBranchSwitchOutcome
    {
        Failed,
        /// <summary>Checked out (and fast-forwarded) to origin's branch.</summary>
        Switched,
        /// <summary>-Hard: reset to origin's branch, the discarded work kept first (KeptBranches).</summary>
        Reset,
        /// <summary>Already on the branch at origin's commit: nothing to do.</summary>
        Current,
    }

    /// <summary>
    /// One pod's Set-ArenaPodBranch: the branch and commit its checkout was read back at after the switch,
    /// equal to origin's; the branches that keep what -Hard discarded.
    /// </summary>
    public sealed class ArenaPodBranchSwitchResult : ArenaPodOperationResult
    {
        public ArenaBranchSwitchOutcome Outcome { get; internal set; }
        public string? Branch { get; internal set; }
        /// <summary>The commit HEAD was read back at, a commit id (hex) equal to origin's branch.</summary>
        public string? Commit { get; internal set; }
        /// <summary>The commit HEAD was at before, a commit id, when the pod said.</summary>
        public string? PreviousCommit { get; internal set; }
        /// <summary>arena-kept/&lt;UTC time&gt; (uncommitted changes, on top of HEAD) and arena-kept/&lt;UTC time&gt;-&lt;branch&gt; (local commits origin lacks), for -Hard.</summary>
        public string[] KeptBranches { get; internal set; } = Array.Empty<string>();
    }
}
