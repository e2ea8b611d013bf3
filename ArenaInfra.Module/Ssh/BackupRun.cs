using System.Collections.Generic;

namespace ArenaInfra.Ssh
{
    /// <summary>One pod's backup in progress, whichever way it goes (stream or SFTP): where it writes, its bounds, and what it has to report.</summary>
    internal sealed class BackupRun
    {
        public BackupRun(BackupFolder folder, long maxFileBytes, int maxDepth, int maxEntries, ArenaPodBackupResult result)
        {
            Folder = folder;
            MaxFileBytes = maxFileBytes;
            MaxDepth = maxDepth;
            MaxEntries = maxEntries;
            Result = result;
        }

        public BackupFolder Folder { get; }
        public long MaxFileBytes { get; }
        public int MaxDepth { get; }
        public int MaxEntries { get; }
        public ArenaPodBackupResult Result { get; }
        /// <summary>The files left out so far, each with why.</summary>
        public List<ArenaSkippedFile> Skipped { get; } = new List<ArenaSkippedFile>();
    }
}
