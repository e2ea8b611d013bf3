using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;

namespace ArenaInfra.Backup
{
    /// <summary>
    /// One pod's backup in progress, whichever fetcher brings its files: where it writes, its filter
    /// and bounds, and what it has to report. It plans from a listing, then carries the plan out: the
    /// folders first, the fetcher's files, the folders' times last.
    /// </summary>
    internal sealed class BackupRun
    {
        public BackupRun(BackupFolder folder, long maxFileBytes, int maxDepth, int maxEntries, ArenaPodBackupResult result)
        {
            Folder = folder;
            Filter = new BackupFilter(maxDepth, maxFileBytes);
            MaxEntries = maxEntries;
            Result = result;
        }

        public BackupFolder Folder { get; }
        public BackupFilter Filter { get; }
        public int MaxEntries { get; }
        public ArenaPodBackupResult Result { get; }
        /// <summary>The course repo the listing looks for on the volume; null when the repo's name is not one to look for.</summary>
        public RepoLink? Repo { get; set; }
        /// <summary>The files left out so far, each with why.</summary>
        public List<ArenaSkippedFile> Skipped { get; } = new List<ArenaSkippedFile>();

        /// <summary>The plan for a listing against what the backup folder holds; what it leaves out is named at once, whatever happens next.</summary>
        public BackupPlan Plan(List<ListedEntry> entries, CancellationToken token)
        {
            var plan = BackupPlan.Make(entries, Filter, entry => Folder.Holds(entry.Parts, entry.Size, entry.ModifiedUtc, BackupPlan.SameTime), token);
            Skipped.AddRange(plan.Skipped);
            return plan;
        }

        /// <summary>The plan carried out: its folders made and the files held counted, the fetcher's files, and the folders' times.</summary>
        public void Carry(BackupPlan plan, IBackupFetcher fetcher, CancellationToken token)
        {
            Prepare(plan, token);
            fetcher.Fetch(plan, token);
            SetFolderTimes(plan);
        }

        /// <summary>Makes the plan's folders (each a real folder, never through a link) and counts the files already held.</summary>
        private void Prepare(BackupPlan plan, CancellationToken token)
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
        private void SetFolderTimes(BackupPlan plan)
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

        /// <summary>A file a fetcher wrote into the backup.</summary>
        public void Fetched(ListedEntry entry, long written, int mode)
        {
            Result.Files++;
            Result.Downloaded++;
            Result.Bytes += written;
            Result.DownloadedBytes += written;
            Folder.Keep(entry.Path, mode);
        }

        internal static ArenaSkippedFile Skip(string path, string reason) => new ArenaSkippedFile { Path = path, Reason = reason };
    }
}
