using System;

namespace ArenaInfra
{
    /// <summary>
    /// What every SSH command reports for each pod it was given: did it work, and if not, where and why.
    /// A pod that is not running gets a result too (FailedStep NotRunning): every pod is accounted for.
    /// </summary>
    public abstract class ArenaPodOperationResult
    {
        public string Name { get; internal set; } = "";
        public string? MachineName { get; internal set; }
        public string? PodId { get; internal set; }
        /// <summary>host:port the command connected to; null when the pod was not contacted.</summary>
        public string? Endpoint { get; internal set; }
        public bool Succeeded { get; internal set; }
        /// <summary>The step that failed (NotRunning, Connect, HostKey, Authenticate, CopyKey, Git, ...); null when all went well.</summary>
        public string? FailedStep { get; internal set; }
        /// <summary>The failure's stable id (SshConnectFailed, PodNotRunning, ...), as in ArenaErrorIds; null when all went well.</summary>
        public string? ErrorId { get; internal set; }
        private string? _error;

        /// <summary>Why it failed, terminal-safe (TerminalText): a pod's own output in it cannot drive the terminal.</summary>
        public string? Error { get => _error; internal set => _error = value == null ? null : TerminalText.Safe(value); }
        public TimeSpan Duration { get; internal set; }

        public override string ToString() => $"{TerminalText.SafeLine(Name)}: {(Succeeded ? "done" : $"failed at {FailedStep}: {Error}")}";
    }

    /// <summary>Initialize-ArenaPod's result.</summary>
    public sealed class ArenaPodSetupResult : ArenaPodOperationResult
    {
        /// <summary>The steps that ran and succeeded, in order.</summary>
        public string[] Done { get; internal set; } = Array.Empty<string>();
        /// <summary>The steps left out with -Skip.</summary>
        public string[] Skipped { get; internal set; } = Array.Empty<string>();
        /// <summary>Branches in the course repo that keep the participant's work from before the reset to origin (arena-kept/&lt;time&gt;, and -&lt;branch&gt; for local commits origin lacks).</summary>
        public string[] KeptBranches { get; internal set; } = Array.Empty<string>();
    }

    /// <summary>Set-ArenaPodSecret's result: which variables were set; never their values.</summary>
    public sealed class ArenaPodSecretResult : ArenaPodOperationResult
    {
        public string[] Variables { get; internal set; } = Array.Empty<string>();
    }

    public enum ArenaSaveStatus
    {
        Pushed,
        NothingToCommit,
        Failed,
    }

    /// <summary>Save-ArenaPodWork's result.</summary>
    public sealed class ArenaPodSaveResult : ArenaPodOperationResult
    {
        public ArenaSaveStatus Status { get; internal set; }
        public string? Branch { get; internal set; }
        public string? Commit { get; internal set; }
    }

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

    /// <summary>Get-ArenaPodGpu's work on one pod: its GPUs (the cmdlet emits each one).</summary>
    public sealed class ArenaPodGpuResult : ArenaPodOperationResult
    {
        public ArenaGpuStatus[] Gpus { get; internal set; } = Array.Empty<ArenaGpuStatus>();
    }

    /// <summary>One GPU of one pod, as nvidia-smi reports it.</summary>
    public sealed class ArenaGpuStatus
    {
        public string Name { get; internal set; } = "";
        public string? MachineName { get; internal set; }
        public int? Index { get; internal set; }
        private string? _model;
        private string? _fullModel;

        /// <summary>Short: A4000, A100-80GB, RTX4090. Terminal-safe (TerminalText): nvidia-smi on a pod is the pod's to replace.</summary>
        public string? Model { get => _model; internal set => _model = value == null ? null : TerminalText.SafeLine(value); }
        /// <summary>The name nvidia-smi gave, terminal-safe; FullModelRaw holds it as it came.</summary>
        public string? FullModel { get => _fullModel == null ? null : TerminalText.SafeLine(_fullModel); internal set => _fullModel = value; }
        /// <summary>The name exactly as the pod sent it, escape sequences and all: not for a terminal.</summary>
        public string? FullModelRaw => _fullModel;
        public int? UtilizationPercent { get; internal set; }
        public double? MemoryUsedGB { get; internal set; }
        public double? MemoryTotalGB { get; internal set; }
        /// <summary>False when the pod did not answer; Error says why.</summary>
        public bool Responding { get; internal set; } = true;
        /// <summary>Get-ArenaPodGpu -Watch: the pod's kept session dropped and is being opened again.</summary>
        public bool Reconnecting { get; internal set; }
        /// <summary>The pod is not running (stopped, starting), so it was not asked; Error says which.</summary>
        public bool NotRunning { get; internal set; }
        private string? _error;

        /// <summary>Why the pod did not answer, terminal-safe (TerminalText).</summary>
        public string? Error { get => _error; internal set => _error = value == null ? null : TerminalText.Safe(value); }
    }
}

namespace ArenaInfra
{
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
    }
}

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
        private string? _error;

        /// <summary>Why the attempt stopped, terminal-safe (TerminalText).</summary>
        public string? Error { get => _error; internal set => _error = value == null ? null : TerminalText.Safe(value); }

        public override string ToString() => $"{TerminalText.SafeLine(Participant)} on {TerminalText.SafeLine(Name)}: {(Reached ? "reached" : $"refused at {Stage}")}{(Hole ? " (NOT as the roster says)" : "")}";
    }
}
