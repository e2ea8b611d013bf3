using System.Collections.Generic;
using System.Linq;

namespace ArenaInfra
{
    /// <summary>What became of one file of a copy on one pod.</summary>
    public enum ArenaCopyFileStatus
    {
        /// <summary>Uploaded, and the pod's own size and SHA-256 of it matched this machine's.</summary>
        Copied,
        /// <summary>The pod already had this very file (same SHA-256): nothing was written.</summary>
        Unchanged,
        /// <summary>Uploaded, but the pod's size or SHA-256 did not match: removed, the old file (if any) kept.</summary>
        NotVerified,
        /// <summary>Not written: the copy stopped on this pod before it (a refusal, a deadline, a lost connection).</summary>
        NotCopied,
    }

    /// <summary>One file of a copy on one pod.</summary>
    public sealed class ArenaCopiedFile
    {
        private string _destination = "";

        /// <summary>The file's path on the pod, terminal-safe.</summary>
        public string Destination { get => TerminalText.Safe(_destination); internal set => _destination = value; }
        public long Bytes { get; internal set; }
        /// <summary>The SHA-256 of this machine's file, as it was sent.</summary>
        public string? Sha256 { get; internal set; }
        public ArenaCopyFileStatus Status { get; internal set; } = ArenaCopyFileStatus.NotCopied;

        public override string ToString() => $"{Destination}: {Status}";
    }

    /// <summary>
    /// One pod's Copy-ArenaPodItem: Succeeded only when every file is Copied or Unchanged, each checked
    /// by the pod's own size and SHA-256 of it; a file that was sent but not verified is never success.
    /// </summary>
    public sealed class ArenaCopyResult : ArenaPodOperationResult
    {
        private string _destination = "";

        /// <summary>Where the item went on the pod (the file, or the folder the files went under), terminal-safe.</summary>
        public string Destination { get => TerminalText.Safe(_destination); internal set => _destination = value; }
        /// <summary>How many files are on the pod as sent and verified (copied or already there).</summary>
        public int Files => Items.Count(i => i.Status == ArenaCopyFileStatus.Copied || i.Status == ArenaCopyFileStatus.Unchanged);
        /// <summary>The bytes uploaded to this pod and verified there.</summary>
        public long Bytes => Items.Where(i => i.Status == ArenaCopyFileStatus.Copied).Sum(i => i.Bytes);
        /// <summary>True when every file was verified on the pod.</summary>
        public bool Verified => Items.Count > 0 && Items.All(i => i.Status == ArenaCopyFileStatus.Copied || i.Status == ArenaCopyFileStatus.Unchanged);
        /// <summary>Each file, with what became of it.</summary>
        public IReadOnlyList<ArenaCopiedFile> Items { get; internal set; } = new List<ArenaCopiedFile>();
    }
}
