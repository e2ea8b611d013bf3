using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using ArenaInfra.Common;

namespace ArenaInfra.Backup
{
    /// <summary>
    /// What one pod's backup will hold and fetch, decided from the pod's listing and what the backup
    /// folder already holds before a byte is fetched, whichever way the bytes then come (TarStreamFetcher
    /// or SftpFetcher). Left out, and named in Skipped: names no local disk can keep (and all below such
    /// a folder), folders deeper than the filter keeps (and all below them), files larger than it keeps;
    /// links, sockets and devices are not files to keep (a link could point anywhere) and are passed
    /// over without a word.
    /// </summary>
    internal sealed class BackupPlan
    {
        private const long Block = 4096;

        /// <summary>How near a kept file's time must be to the pod's to count as the same file (SFTP's times are whole seconds).</summary>
        public static readonly TimeSpan SameTime = TimeSpan.FromSeconds(1);

        /// <summary>
        /// The plan for a listing (in the listing's order: a folder before what is in it). held: whether
        /// the backup already holds a listed file at the same size and time.
        /// </summary>
        public static BackupPlan Make(IEnumerable<ListedEntry> listing, BackupFilter filter, Func<ListedEntry, bool> held, CancellationToken token)
        {
            var plan = new BackupPlan();
            var refused = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in listing)
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
                    plan.Skip(Shown(entry), $"{problem}, which no local disk can keep");
                    if (entry.Type == 'd') refused.Add(entry.Path);
                    continue;
                }
                if (entry.Type == 'd')
                {
                    if (filter.IsTooDeep(entry.Parts.Length))
                    {
                        plan.Skip(entry.Path, filter.TooDeepReason);
                        refused.Add(entry.Path);
                        continue;
                    }
                    plan.Folders.Add(entry);
                    continue;
                }
                if (entry.Type != 'f') continue;
                if (filter.IsTooBig(entry.Size))
                {
                    plan.Skip(entry.Path, filter.TooBigReason);
                    continue;
                }
                if (held(entry)) plan.Unchanged.Add(entry);
                else plan.Wanted.Add(entry);
            }
            return plan;
        }

        public List<ListedEntry> Folders { get; } = new List<ListedEntry>();
        /// <summary>Files already in the backup at the same size and time.</summary>
        public List<ListedEntry> Unchanged { get; } = new List<ListedEntry>();
        /// <summary>Files to fetch: new or changed.</summary>
        public List<ListedEntry> Wanted { get; } = new List<ListedEntry>();
        /// <summary>What the listing named that the backup leaves out, each with why, in the listing's order.</summary>
        public List<ArenaSkippedFile> Skipped { get; } = new List<ArenaSkippedFile>();

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

        private void Skip(string path, string reason) => Skipped.Add(BackupRun.Skip(path, reason));

        /// <summary>A path for a message: each name no local disk can keep made printable, the others as they are.</summary>
        private static string Shown(ListedEntry entry) => string.Join("/", entry.Parts.Select(p => UntrustedValue.FileNameProblem(p) == null ? p : UntrustedValue.Printable(p)));
    }
}

