using System;
using System.Collections.Generic;

namespace ArenaInfra.Backup
{
    /// <summary>What a restore sends: the backup's files and folders that the pod lacks or holds differently, in an order tar can write.</summary>
    internal sealed class RestorePlan
    {
        public List<BackupFolderEntry> Files { get; } = new List<BackupFolderEntry>();
        public List<BackupFolderEntry> Folders { get; } = new List<BackupFolderEntry>();
        /// <summary>Folders before what is in them.</summary>
        public List<BackupFolderEntry> Order { get; } = new List<BackupFolderEntry>();
        public int Unchanged { get; private set; }

        public static RestorePlan Make(BackupSource source, List<ListedEntry> onPod, bool overwriteNewer, BackupFilter filter, List<ArenaSkippedFile> skipped)
        {
            var pod = new Dictionary<string, ListedEntry>(StringComparer.Ordinal);
            foreach (var entry in onPod) pod[entry.Path] = entry;
            var plan = new RestorePlan();
            var blocked = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in new BackupFolder(source.Folder).Walk(filter, skipped))
            {
                var slash = entry.Path.LastIndexOf('/');
                if (slash > 0 && blocked.Contains(entry.Path.Substring(0, slash)))
                {
                    if (entry.IsFolder) blocked.Add(entry.Path);
                    continue;
                }
                pod.TryGetValue(entry.Path, out var there);
                if (entry.IsFolder)
                {
                    if (there == null)
                    {
                        plan.Folders.Add(entry);
                        plan.Order.Add(entry);
                    }
                    else if (there.Type != 'd')
                    {
                        // A link here could lead the folder's files anywhere; a file here is the participant's.
                        skipped.Add(new ArenaSkippedFile { Path = entry.Path, Reason = there.Type == 'l' ? "a link on the pod stands where the backup has a folder; nothing under it was restored" : "a file on the pod stands where the backup has a folder; nothing under it was restored" });
                        blocked.Add(entry.Path);
                    }
                    continue;
                }
                if (there != null && there.Type == 'f' && there.Size == entry.Size && Math.Abs((there.ModifiedUtc - entry.ModifiedUtc).TotalSeconds) < BackupPlan.SameTime.TotalSeconds)
                {
                    plan.Unchanged++;
                    continue;
                }
                if (there != null && there.Type != 'f')
                {
                    skipped.Add(new ArenaSkippedFile { Path = entry.Path, Reason = there.Type == 'd' ? "a folder on the pod stands where the backup has a file" : "a link or other special file on the pod stands where the backup has a file; it was left as it is" });
                    continue;
                }
                if (there != null && !overwriteNewer && there.ModifiedUtc > entry.ModifiedUtc)
                {
                    skipped.Add(new ArenaSkippedFile { Path = entry.Path, Reason = $"newer on the pod ({there.ModifiedUtc:u}) than in the backup ({entry.ModifiedUtc:u}); -OverwriteNewer overwrites it" });
                    continue;
                }
                plan.Files.Add(entry);
                plan.Order.Add(entry);
            }
            return plan;
        }
    }
}
