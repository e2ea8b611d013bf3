using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Renci.SshNet;
using Renci.SshNet.Sftp;

namespace ArenaInfra.Backup
{
    /// <summary>
    /// A pod's backup over SFTP, file by file: for a pod that lacks what the stream needs (GNU tar, a
    /// find with -printf). Slower (several round trips a file) but it needs nothing on the pod but its
    /// SFTP server. The home is listed first, as the stream's listing lists it (the same filters, a
    /// breadth-first walk with a queue, so a pod's endless nesting meets the depth cap); the same plan
    /// decides what to fetch, and the same BackupFolder writes it.
    /// </summary>
    internal sealed class SftpBackup
    {
        private readonly BackupRun _run;

        public SftpBackup(BackupRun run) => _run = run;

        /// <summary>
        /// The home as HomeListing lists it: folders (not hidden, not site-packages), files and links,
        /// relative paths, one level past maxDepth so a folder too deep is seen and named. With
        /// homeMustList, a home that cannot be listed is a BackupStepException (a backup of nothing is
        /// no backup); otherwise it is named in skipped like any folder.
        /// </summary>
        public static List<ListedEntry> List(SftpClient sftp, string home, int maxDepth, int maxEntries, List<ArenaSkippedFile> skipped, bool homeMustList, CancellationToken token)
        {
            home = home.TrimEnd('/');
            var entries = new List<ListedEntry>();
            var pending = new Queue<(string Remote, string Relative, int Depth)>();
            pending.Enqueue((home, "", 0));
            while (pending.Count > 0)
            {
                var (remote, relative, depth) = pending.Dequeue();
                List<ISftpFile> listing;
                try
                {
                    listing = sftp.ListDirectory(remote).ToList();
                }
                catch (Exception e) when (e is Renci.SshNet.Common.SshException || e is System.IO.IOException)
                {
                    if (relative.Length == 0 && homeMustList) throw new BackupStepException("Listing", $"the home folder could not be listed over SFTP ({e.Message}); nothing was copied");
                    skipped.Add(new ArenaSkippedFile { Path = relative.Length == 0 ? "." : relative, Reason = $"the folder could not be listed ({e.Message})" });
                    continue;
                }
                foreach (var entry in listing.OrderBy(e => e.Name, StringComparer.Ordinal))
                {
                    token.ThrowIfCancellationRequested();
                    if (entry.Name == "." || entry.Name == "..") continue;
                    if (entries.Count >= maxEntries)
                    {
                        skipped.Add(new ArenaSkippedFile { Path = ".", Reason = $"the listing stopped after {maxEntries} entries" });
                        return entries;
                    }
                    var path = relative.Length == 0 ? entry.Name : relative + "/" + entry.Name;
                    var type = entry.IsSymbolicLink ? 'l' : entry.IsDirectory ? 'd' : entry.IsRegularFile ? 'f' : 'o';
                    if (type == 'd' && (entry.Name.StartsWith(".", StringComparison.Ordinal) || entry.Name == "site-packages")) continue;
                    entries.Add(new ListedEntry(type, entry.Length, entry.LastWriteTimeUtc, Mode(entry.Attributes), path));
                    if (type == 'd' && depth + 1 <= maxDepth) pending.Enqueue((entry.FullName, path, depth + 1));
                }
            }
            return entries;
        }

        /// <summary>Makes the plan's folders and fetches each file it wants; a file the pod cannot send is skipped with why.</summary>
        public void Run(SftpClient sftp, string home, BackupPlan plan, CancellationToken token)
        {
            home = home.TrimEnd('/');
            _run.Prepare(plan, token);
            foreach (var entry in plan.Wanted)
            {
                token.ThrowIfCancellationRequested();
                try
                {
                    // At most the size it listed: a file that grows while it is read (or a lying server) is refused, not truncated.
                    var written = _run.Folder.Write(entry.Parts, entry.Size, exactSize: false, entry.Mode, entry.ModifiedUtc, file => sftp.DownloadFile(home + "/" + entry.Path, file));
                    _run.Fetched(entry, written, entry.Mode);
                    _run.Result.TransferredBytes += written;
                }
                catch (Exception e) when (IsFileProblem(e) && !token.IsCancellationRequested)
                {
                    _run.Skipped.Add(BackupRun.Skip(entry.Path, e.Message));
                }
            }
            _run.SetFolderTimes(plan);
        }

        /// <summary>The permission bits SFTP reports, as a number.</summary>
        internal static int Mode(SftpFileAttributes a) =>
            (a.OwnerCanRead ? 0x100 : 0) | (a.OwnerCanWrite ? 0x80 : 0) | (a.OwnerCanExecute ? 0x40 : 0)
            | (a.GroupCanRead ? 0x20 : 0) | (a.GroupCanWrite ? 0x10 : 0) | (a.GroupCanExecute ? 0x8 : 0)
            | (a.OthersCanRead ? 0x4 : 0) | (a.OthersCanWrite ? 0x2 : 0) | (a.OthersCanExecute ? 0x1 : 0);

        private static bool IsFileProblem(Exception e) =>
            e is System.IO.IOException || e is UnauthorizedAccessException || e is ArgumentException || e is Renci.SshNet.Common.SftpPathNotFoundException
            || e is Renci.SshNet.Common.SftpPermissionDeniedException || e is Renci.SshNet.Common.SshException || e is ArenaException;

    }
}
