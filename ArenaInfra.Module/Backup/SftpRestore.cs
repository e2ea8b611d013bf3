using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Renci.SshNet;
using Renci.SshNet.Sftp;

namespace ArenaInfra.Backup
{
    /// <summary>
    /// A restore over SFTP, for a pod without GNU tar or a find that prints a listing: the home is
    /// listed folder by folder (with the backup's filters and bounds), the same RestorePlan decides
    /// what goes, and each file is uploaded under a temporary name, given the pod's mode and time, and
    /// renamed into place. Slower than the stream (round trips a file), but it needs only the pod's
    /// SFTP server. SFTP keeps times to the second.
    /// </summary>
    internal sealed class SftpRestore
    {
        private readonly SftpClient _sftp;
        private readonly string _home;

        private readonly Func<string, string?>? _repoRemote;

        /// <summary>repoRemote: where a path of the course repo goes on the volume (null for a path outside it); none when the repo is not on the volume.</summary>
        public SftpRestore(SftpClient sftp, string home, Func<string, string?>? repoRemote = null)
        {
            _sftp = sftp;
            _home = home.TrimEnd('/');
            _repoRemote = repoRemote;
        }

        private string Remote(string path) => _repoRemote?.Invoke(path) ?? _home + "/" + path;

        /// <summary>The home as HomeListing would list it, with the filter's rule; a home that cannot be listed is named in skipped.</summary>
        public List<ListedEntry> List(BackupFilter filter, int maxEntries, List<ArenaSkippedFile> skipped, CancellationToken token) =>
            SftpHomeListing.List(_sftp, _home, filter, maxEntries, skipped, homeMustList: false, token);

        /// <summary>Sends the plan: folders first (made where missing), then each file under a temporary name, renamed into place.</summary>
        public (List<BackupFolderEntry> Sent, List<ArenaSkippedFile> Skipped) Send(RestorePlan plan, BackupSource source, Func<BackupFolderEntry, int> modeOf, CancellationToken token)
        {
            var sent = new List<BackupFolderEntry>();
            var skipped = new List<ArenaSkippedFile>();
            foreach (var entry in plan.Order)
            {
                token.ThrowIfCancellationRequested();
                var remote = Remote(entry.Path);
                try
                {
                    if (entry.IsFolder)
                    {
                        _sftp.CreateDirectory(remote);
                        _sftp.ChangePermissions(remote, Octal(modeOf(entry)));
                        continue;
                    }
                    var temporary = remote.Substring(0, remote.LastIndexOf('/') + 1) + ".arena-" + Guid.NewGuid().ToString("N").Substring(0, 12) + ".part";
                    using (var file = new FileStream(entry.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read))
                    {
                        _sftp.UploadFile(file, temporary, canOverride: false);
                    }
                    _sftp.ChangePermissions(temporary, Octal(modeOf(entry)));
                    var attributes = _sftp.GetAttributes(temporary);
                    attributes.LastWriteTimeUtc = entry.ModifiedUtc;
                    attributes.LastAccessTimeUtc = entry.ModifiedUtc;
                    _sftp.SetAttributes(temporary, attributes);
                    // POSIX rename replaces the old file in one step, as the stream's tar does.
                    _sftp.RenameFile(temporary, remote, isPosix: true);
                    sent.Add(entry);
                }
                catch (Exception e) when (e is Renci.SshNet.Common.SshException || e is IOException || e is UnauthorizedAccessException)
                {
                    skipped.Add(new ArenaSkippedFile { Path = entry.Path, Reason = $"could not be written over SFTP ({e.Message})" });
                }
            }
            // Folder times last: writing a file into a folder changes its time.
            foreach (var folder in plan.Folders.AsEnumerable().Reverse())
            {
                try
                {
                    var attributes = _sftp.GetAttributes(Remote(folder.Path));
                    attributes.LastWriteTimeUtc = folder.ModifiedUtc;
                    attributes.LastAccessTimeUtc = folder.ModifiedUtc;
                    _sftp.SetAttributes(Remote(folder.Path), attributes);
                }
                catch (Renci.SshNet.Common.SshException)
                {
                    // A folder's time is a nicety; its files are what the restore is for.
                }
            }
            return (sent, skipped);
        }

        /// <summary>SSH.NET takes a mode as its octal digits read as a decimal number (644 for rw-r--r--).</summary>
        private static short Octal(int mode) => short.Parse(Convert.ToString(mode & 0xFFF, 8));
    }
}
