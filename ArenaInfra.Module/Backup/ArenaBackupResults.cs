using System;

namespace ArenaInfra
{
    /// <summary>Backup-ArenaPod's result.</summary>
    public sealed class ArenaPodBackupResult : ArenaPodOperationResult
    {
        public string Destination { get; internal set; } = "";
        /// <summary>Files now in the backup for this pod (downloaded or already there).</summary>
        public int Files { get; internal set; }
        public int Downloaded { get; internal set; }
        public int Unchanged { get; internal set; }
        /// <summary>The size of the files now in the backup for this pod.</summary>
        public long Bytes { get; internal set; }
        /// <summary>The size of the files fetched by this run (the changed and new ones).</summary>
        public long DownloadedBytes { get; internal set; }
        /// <summary>What this run read from the pod for them: the files with the stream's headers (or SFTP's payload).</summary>
        public long TransferredBytes { get; internal set; }
        /// <summary>Stream (one listing and one tar stream) or Sftp (file by file, on a pod without GNU tar).</summary>
        public ArenaBackupMethod? Method { get; internal set; }
        /// <summary>Files left out (relative paths): too big, unreadable, or with a name no local disk can keep.</summary>
        public string[] SkippedFiles { get; internal set; } = Array.Empty<string>();
        /// <summary>The same files, each with why it was left out.</summary>
        public ArenaSkippedFile[] Skipped { get; internal set; } = Array.Empty<ArenaSkippedFile>();
        private string? _repoPath;
        /// <summary>Where the course repo's files came from when ~/&lt;repo&gt; is Initialize-ArenaPod's link to the volume (they are in the backup under &lt;repo&gt;/, as from the home); null otherwise.</summary>
        public string? RepoPath { get => _repoPath; internal set => _repoPath = value == null ? null : TerminalText.Safe(value); }
        private string[] _warnings = Array.Empty<string>();
        /// <summary>What the backup could not take that it would have: a ~/&lt;repo&gt; link that is not the module's own is not followed, and said so here. Terminal-safe.</summary>
        public string[] Warnings { get => _warnings; internal set => _warnings = System.Linq.Enumerable.ToArray(System.Linq.Enumerable.Select(value, TerminalText.Safe)); }
    }

    /// <summary>How a backup reached the pod's files.</summary>
    public enum ArenaBackupMethod
    {
        /// <summary>One listing and one tar stream of exactly the files that changed.</summary>
        Stream,
        /// <summary>File by file over SFTP: the pod lacks GNU tar or a find with -printf.</summary>
        Sftp,
    }

    /// <summary>A file a backup left out, and why; the rest of the pod was still copied.</summary>
    public sealed class ArenaSkippedFile
    {
        public string Path { get; internal set; } = "";
        public string Reason { get; internal set; } = "";

        public override string ToString() => TerminalText.SafeLine($"{Path}: {Reason}");
    }

    /// <summary>What a restore did with the course repo's autocommit branch.</summary>
    public enum ArenaBranchRestoreStatus
    {
        /// <summary>The repo already held the branch's work.</summary>
        UpToDate,
        /// <summary>The repo moved forward to the branch (nothing on the pod was in the way).</summary>
        FastForwarded,
        /// <summary>The branch was merged into the pod's own later commits.</summary>
        Merged,
        /// <summary>Nothing changed: uncommitted changes or a conflict were in the way.</summary>
        Failed,
        /// <summary>The branch is not on origin (the pod's work was not saved under that label); the rest of the restore went on.</summary>
        NotFound,
        /// <summary>Nothing changed: origin's branch is not the commit Save-ArenaPodWork recorded for it (BranchChanged).</summary>
        Refused,
    }

    /// <summary>Restore-ArenaPod's result: what came back into the pod's home, and from which backup.</summary>
    public sealed class ArenaPodRestoreResult : ArenaPodOperationResult
    {
        /// <summary>The backup folder the files came from (&lt;Source&gt;/&lt;Label&gt;/&lt;pod name&gt;), when files were restored.</summary>
        public string? Source { get; internal set; }
        public string? Label { get; internal set; }
        /// <summary>Why that backup: asked for with -Label, or the newest finished one (and which were left out, and why).</summary>
        public string? LabelReason { get; internal set; }
        /// <summary>Files written into the home by this run.</summary>
        public int Files { get; internal set; }
        /// <summary>Files already on the pod with the same size and time, left alone.</summary>
        public int Unchanged { get; internal set; }
        /// <summary>The size of the files written.</summary>
        public long Bytes { get; internal set; }
        public string[] SkippedFiles { get; internal set; } = System.Array.Empty<string>();
        /// <summary>Files not restored, each with why (newer on the pod, a link in the way, ...).</summary>
        public ArenaSkippedFile[] Skipped { get; internal set; } = System.Array.Empty<ArenaSkippedFile>();
        /// <summary>The autocommit branch restored into the course repo, when one was asked for.</summary>
        public string? Branch { get; internal set; }
        public ArenaBranchRestoreStatus? BranchStatus { get; internal set; }
        /// <summary>The commit the course repo now holds from the branch, when it was restored.</summary>
        public string? BranchCommit { get; internal set; }
        /// <summary>When the branch was refused as changed: the commits on it that the save did not push ("id subject").</summary>
        public string[] UnsavedCommits { get; internal set; } = System.Array.Empty<string>();
        /// <summary>Stream (one tar stream), or Sftp (file by file, on a pod without GNU tar); null when no file had to go.</summary>
        public ArenaBackupMethod? Method { get; internal set; }
        private string? _repoPath;
        /// <summary>Where the backup's &lt;repo&gt;/ went: the volume's copy of the course repo, when ~/&lt;repo&gt; is Initialize-ArenaPod's link to it; null when into the home.</summary>
        public string? RepoPath { get => _repoPath; internal set => _repoPath = value == null ? null : TerminalText.Safe(value); }
        private string[] _warnings = System.Array.Empty<string>();
        /// <summary>What the restore would have done and did not: a ~/&lt;repo&gt; link that is not the module's own is not written through. Terminal-safe.</summary>
        public string[] Warnings { get => _warnings; internal set => _warnings = System.Linq.Enumerable.ToArray(System.Linq.Enumerable.Select(value, TerminalText.Safe)); }
    }
}
