using System.Threading;

namespace ArenaInfra.Backup
{
    /// <summary>
    /// One way of bringing a plan's files from the pod (one tar stream, or SFTP file by file): it only
    /// moves bytes. What to fetch was decided by the BackupPlan; the folders are made and the files
    /// already held counted by the BackupRun before, and each file goes through the run's BackupFolder.
    /// </summary>
    internal interface IBackupFetcher
    {
        /// <summary>Fetches plan.Wanted; a file the pod cannot send is a skip with why, a file this machine cannot write a BackupWriteException.</summary>
        void Fetch(BackupPlan plan, CancellationToken token);
    }
}
