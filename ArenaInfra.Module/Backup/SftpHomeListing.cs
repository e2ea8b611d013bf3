using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Renci.SshNet;
using Renci.SshNet.Sftp;

namespace ArenaInfra.Backup
{
    /// <summary>
    /// A pod's home listed over SFTP, for a pod that lacks what HomeListing needs (GNU tar, a find
    /// with -printf), by a backup and a restore alike: the same filter and bounds as the pod's find,
    /// a breadth-first walk with a queue, so a pod's endless nesting meets the depth cap.
    /// </summary>
    internal static class SftpHomeListing
    {
        /// <summary>
        /// The home as HomeListing lists it: folders the filter keeps, files and links, relative paths,
        /// down to the filter's ListingDepth. With homeMustList, a home that cannot be listed is a
        /// BackupStepException (a backup of nothing is no backup); otherwise it is named in skipped like
        /// any folder.
        /// </summary>
        public static List<ListedEntry> List(SftpClient sftp, string home, BackupFilter filter, int maxEntries, List<ArenaSkippedFile> skipped, bool homeMustList, CancellationToken token) =>
            List(sftp, home, "", filter, maxEntries, skipped, homeMustList, token);

        /// <summary>
        /// The course repo's home link resolved, for a pod without the stream's tools: the check on the pod
        /// (RepoLink's, the one shell command), and when it holds, the volume copy listed under &lt;repo&gt;/
        /// in the link's place, as the stream's listing has it. Returns the copy's path, or null (the link
        /// not followed; refused says whether ~/&lt;repo&gt; was a link at all).
        /// </summary>
        public static string? WithRepo(Operations.PodSession pod, SftpClient sftp, RepoLink? repo, List<ListedEntry> entries, BackupFilter filter, int maxEntries, List<ArenaSkippedFile> skipped, out bool refused, CancellationToken token)
        {
            refused = false;
            if (repo == null || !entries.Exists(e => e.Type == 'l' && e.Path == repo.Name)) return null;
            var output = pod.Shell(repo.Check);
            var copy = output.ExitCode == 0 && !output.TimedOut ? RepoLink.ReadCheck(output.StdOut) : null;
            if (copy == null)
            {
                refused = true;
                return null;
            }
            var folder = sftp.GetAttributes(copy);
            var below = List(sftp, copy, repo.Name, filter, Math.Max(0, maxEntries - entries.Count), skipped, homeMustList: false, token);
            entries.RemoveAll(e => e.Type == 'l' && e.Path == repo.Name);
            entries.Add(new ListedEntry('d', 0, folder.LastWriteTimeUtc, Mode(folder), repo.Name));
            entries.AddRange(below);
            return copy;
        }

        /// <summary>prefix: the listed folder's own path in the listing ("" for the home), each name below it under it.</summary>
        private static List<ListedEntry> List(SftpClient sftp, string home, string prefix, BackupFilter filter, int maxEntries, List<ArenaSkippedFile> skipped, bool homeMustList, CancellationToken token)
        {
            home = home.TrimEnd('/');
            var entries = new List<ListedEntry>();
            var pending = new Queue<(string Remote, string Relative, int Depth)>();
            pending.Enqueue((home, prefix, prefix.Length == 0 ? 0 : prefix.Split('/').Length));
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
                    if (type == 'd' && BackupFilter.LeavesOutFolder(entry.Name)) continue;
                    entries.Add(new ListedEntry(type, entry.Length, entry.LastWriteTimeUtc, Mode(entry.Attributes), path));
                    // A folder too deep is listed itself, for the plan to name, and not entered.
                    if (type == 'd' && !filter.IsTooDeep(depth + 1)) pending.Enqueue((entry.FullName, path, depth + 1));
                }
            }
            return entries;
        }

        /// <summary>The permission bits SFTP reports, as a number.</summary>
        internal static int Mode(SftpFileAttributes a) =>
            (a.OwnerCanRead ? 0x100 : 0) | (a.OwnerCanWrite ? 0x80 : 0) | (a.OwnerCanExecute ? 0x40 : 0)
            | (a.GroupCanRead ? 0x20 : 0) | (a.GroupCanWrite ? 0x10 : 0) | (a.GroupCanExecute ? 0x8 : 0)
            | (a.OthersCanRead ? 0x4 : 0) | (a.OthersCanWrite ? 0x2 : 0) | (a.OthersCanExecute ? 0x1 : 0);
    }
}
