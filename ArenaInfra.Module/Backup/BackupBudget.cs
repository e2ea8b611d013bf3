using System;
using System.IO;
using System.Runtime.InteropServices;

namespace ArenaInfra.Backup
{
    /// <summary>
    /// The bounds a Backup-ArenaPod run keeps over all its pods (they run in parallel, so the run's
    /// share is taken under a lock): the most one pod may hold (BACKUP_MAX_POD_MB), the most the run
    /// may fetch (BACKUP_MAX_RUN_MB), and the free space of the backup's disk, less what pods still
    /// writing have claimed. A pod that does not fit fetches nothing.
    /// </summary>
    internal sealed class BackupBudget
    {
        private readonly object _gate = new object();
        private long _fetching;
        private long _claimedOnDisk;

        public BackupBudget(long maxPodBytes, long maxRunBytes)
        {
            MaxPodBytes = maxPodBytes;
            MaxRunBytes = maxRunBytes;
        }

        public long MaxPodBytes { get; }
        public long MaxRunBytes { get; }

        /// <summary>The free bytes of the disk holding a folder; null where that cannot be told (the check is then left out, and the writes still checked).</summary>
        public Func<string, long?> FreeSpace { get; set; } = FreeBytes;

        /// <summary>Null when the pod may go ahead (its share is then taken; give back its disk share with Release); else the error id and why.</summary>
        public (string Id, string Message)? Claim(string folder, BackupPlan plan)
        {
            if (plan.TotalBytes > MaxPodBytes)
            {
                return (ArenaErrorIds.BackupTooLarge,
                    $"its home comes to {BackupPlan.Megabytes(plan.TotalBytes)} MB to back up, more than BACKUP_MAX_POD_MB ({MaxPodBytes / 1048576} MB); "
                    + $"nothing was fetched, and its earlier backups are as they were. The largest files: {plan.Largest(3)}. "
                    + "Clear out what need not be kept (a checkpoint, a dataset), or raise BACKUP_MAX_POD_MB");
            }
            lock (_gate)
            {
                var wanted = plan.WantedBytes;
                if (_fetching + wanted > MaxRunBytes)
                {
                    return (ArenaErrorIds.BackupTooLarge,
                        $"its {BackupPlan.Megabytes(wanted)} MB of new and changed files would take this run past BACKUP_MAX_RUN_MB ({MaxRunBytes / 1048576} MB; "
                        + $"{BackupPlan.Megabytes(_fetching)} MB taken by the other pods); nothing was fetched. Back it up on its own, or raise BACKUP_MAX_RUN_MB");
                }
                var need = plan.DiskBytes;
                var free = FreeSpace(folder);
                if (free != null && free.Value - _claimedOnDisk < need)
                {
                    var others = _claimedOnDisk > 0 ? $" ({BackupPlan.Megabytes(_claimedOnDisk)} MB of it claimed by pods still being backed up)" : "";
                    return (ArenaErrorIds.BackupNoSpace,
                        $"its new and changed files need {BackupPlan.Megabytes(need)} MB and the backup's disk has {BackupPlan.Megabytes(free.Value)} MB free{others}; "
                        + "nothing was fetched, and its earlier backups are as they were. Free space there, or back up to another -Destination");
                }
                _fetching += wanted;
                _claimedOnDisk += need;
                return null;
            }
        }

        /// <summary>The pod is done writing: what it wrote is in the disk's free space now, not in the claims.</summary>
        public void Release(BackupPlan plan)
        {
            lock (_gate) _claimedOnDisk -= plan.DiskBytes;
        }

        /// <summary>The free bytes (for this user) of the disk a folder is on, asked of its nearest folder that exists.</summary>
        public static long? FreeBytes(string folder)
        {
            try
            {
                var at = Path.GetFullPath(folder);
                while (!Directory.Exists(at))
                {
                    var up = Path.GetDirectoryName(at);
                    if (string.IsNullOrEmpty(up)) return null;
                    at = up!;
                }
                // On Windows a drive is its root; elsewhere any path on the file system answers for it.
                var drive = new DriveInfo(RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? Path.GetPathRoot(at)! : at);
                return drive.AvailableFreeSpace;
            }
            catch (Exception e) when (e is IOException || e is ArgumentException || e is UnauthorizedAccessException)
            {
                return null;
            }
        }
    }
}
