namespace ArenaInfra
{
    /// <summary>What New-ArenaPodBranch did to a pod's day branch.</summary>
    public enum ArenaBranchStatus
    {
        Failed,
        /// <summary>Pushed to origin at the pod's HEAD.</summary>
        Created,
        /// <summary>Origin already had it at the pod's HEAD: nothing to do.</summary>
        Exists,
    }

    /// <summary>One pod's New-ArenaPodBranch: the day's branch, the commit it points at on origin.</summary>
    public sealed class ArenaPodBranchResult : ArenaPodOperationResult
    {
        public ArenaBranchStatus Status { get; internal set; }
        public string? Branch { get; internal set; }
        /// <summary>A commit id, checked to be one (hex), as git printed it.</summary>
        public string? Commit { get; internal set; }
    }
}
