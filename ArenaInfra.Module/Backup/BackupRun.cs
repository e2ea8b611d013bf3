using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using ArenaInfra.Common;

namespace ArenaInfra.Backup
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

        /// <summary>
        /// What the listing asks of the backup, decided before anything is written: the folders, the files
        /// already held (same size and time), and the files to fetch. Left out (and named): names no local
        /// disk can keep, folders deeper than the bound, files over the size limit; links, sockets and
        /// devices are not files to keep (a link could point anywhere).
        /// </summary>
        public BackupPlan Plan(List<ListedEntry> entries, CancellationToken token)
        {
            var plan = new BackupPlan();
            var refused = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in entries)
            {
                token.ThrowIfCancellationRequested();
                // Below a folder already left out: left out with it, and not named again.
                var parent = entry.Parts.Length > 1 ? entry.Path.Substring(0, entry.Path.LastIndexOf('/')) : null;
                if (parent != null && refused.Contains(parent))
                {
                    if (entry.Type == 'd') refused.Add(entry.Path);
                    continue;
                }
                var problem = entry.Parts.Select(UntrustedValue.FileNameProblem).FirstOrDefault(p => p != null);
                if (problem != null)
                {
                    Skipped.Add(Skip(Shown(entry), $"{problem}, which no local disk can keep"));
                    if (entry.Type == 'd') refused.Add(entry.Path);
                    continue;
                }
                if (entry.Type == 'd')
                {
                    if (entry.Parts.Length > MaxDepth)
                    {
                        Skipped.Add(Skip(entry.Path, $"the folder is nested deeper than {MaxDepth} levels"));
                        refused.Add(entry.Path);
                        continue;
                    }
                    plan.Folders.Add(entry);
                    continue;
                }
                if (entry.Type != 'f') continue;
                if (entry.Size > MaxFileBytes)
                {
                    Skipped.Add(Skip(entry.Path, $"larger than {MaxFileBytes / (1024 * 1024)} MB"));
                    continue;
                }
                if (Folder.Holds(entry.Parts, entry.Size, entry.ModifiedUtc, StreamedBackup.SameTime)) plan.Unchanged.Add(entry);
                else plan.Wanted.Add(entry);
            }
            return plan;
        }

        /// <summary>Makes the plan's folders (each a real folder, never through a link) and counts the files already held.</summary>
        public void Prepare(BackupPlan plan, CancellationToken token)
        {
            foreach (var folder in plan.Folders)
            {
                token.ThrowIfCancellationRequested();
                Folder.CreateFolder(folder.Parts);
                Folder.Keep(folder.Path, folder.Mode);
            }
            foreach (var entry in plan.Unchanged)
            {
                Result.Files++;
                Result.Unchanged++;
                Result.Bytes += entry.Size;
                Folder.Keep(entry.Path, entry.Mode);
            }
        }

        /// <summary>Last, deepest first: writing a file into a folder changes the folder's time.</summary>
        public void SetFolderTimes(BackupPlan plan)
        {
            for (var i = plan.Folders.Count - 1; i >= 0; i--)
            {
                try
                {
                    Folder.SetFolderTime(plan.Folders[i].Parts, plan.Folders[i].ModifiedUtc);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException)
                {
                    // A folder's time is a nicety; its files are what the backup is for.
                }
            }
        }

        /// <summary>A file written into the backup by this run.</summary>
        public void Fetched(ListedEntry entry, long written, int mode)
        {
            Result.Files++;
            Result.Downloaded++;
            Result.Bytes += written;
            Result.DownloadedBytes += written;
            Folder.Keep(entry.Path, mode);
        }

        internal static string Shown(ListedEntry entry) => string.Join("/", entry.Parts.Select(p => UntrustedValue.FileNameProblem(p) == null ? p : UntrustedValue.Printable(p)));

        internal static ArenaSkippedFile Skip(string path, string reason) => new ArenaSkippedFile { Path = path, Reason = reason };
    }

    /// <summary>What one pod's backup will hold and fetch, known before a byte is fetched.</summary>
    internal sealed class BackupPlan
    {
        private const long Block = 4096;

        public List<ListedEntry> Folders { get; } = new List<ListedEntry>();
        /// <summary>Files already in the backup at the same size and time.</summary>
        public List<ListedEntry> Unchanged { get; } = new List<ListedEntry>();
        /// <summary>Files to fetch: new or changed.</summary>
        public List<ListedEntry> Wanted { get; } = new List<ListedEntry>();

        public long WantedBytes => Wanted.Sum(w => w.Size);
        /// <summary>Everything the pod's listed files come to in the backup (sparse files at their full size: the copy here is not sparse).</summary>
        public long TotalBytes => WantedBytes + Unchanged.Sum(u => u.Size);

        /// <summary>
        /// What fetching takes on this machine's disk, a little over rather than under: every file
        /// rounded up to whole blocks, a block a folder, the record (a line a path), and a megabyte spare.
        /// </summary>
        public long DiskBytes =>
            Wanted.Sum(w => (w.Size + Block - 1) / Block * Block) + Folders.Count * Block
            + (Folders.Count + Unchanged.Count + Wanted.Count) * 128L + 64 * 1024 + 1024 * 1024;

        /// <summary>The biggest files to fetch or keep, for a message that says what made a pod too large.</summary>
        public string Largest(int count) =>
            string.Join(", ", Wanted.Concat(Unchanged).OrderByDescending(e => e.Size).Take(count).Select(e => $"{e.Path} ({Megabytes(e.Size)} MB)"));

        public static string Megabytes(long bytes) => (bytes / 1048576.0).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
    }

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
