using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Renci.SshNet;
using Renci.SshNet.Sftp;

namespace ArenaInfra.Ssh
{
    /// <summary>
    /// A pod's backup over SFTP, file by file: for a pod that lacks what the stream needs (GNU tar, a
    /// find with -printf). Slower (several round trips a file) but it needs nothing on the pod but its
    /// SFTP server. The same filters and the same BackupFolder as the stream; the walk is breadth-first
    /// with a queue, not recursion, so a pod's endless nesting meets the depth cap.
    /// </summary>
    internal sealed class SftpBackup
    {

        private readonly BackupRun _run;

        public SftpBackup(BackupRun run) => _run = run;

        public void Run(SftpClient sftp, string home, CancellationToken token)
        {
            var pending = new Queue<(string Remote, string[] Relative)>();
            pending.Enqueue((home, Array.Empty<string>()));
            var entries = 0;
            while (pending.Count > 0)
            {
                var (remoteDir, relative) = pending.Dequeue();
                IEnumerable<ISftpFile> listing;
                try
                {
                    listing = sftp.ListDirectory(remoteDir).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
                }
                catch (Exception e) when (IsFileProblem(e) && relative.Length > 0)
                {
                    _run.Skipped.Add(Skip(relative, $"the folder could not be listed ({e.Message})"));
                    continue;
                }
                foreach (var entry in listing)
                {
                    token.ThrowIfCancellationRequested();
                    if (entry.Name == "." || entry.Name == "..") continue;
                    if (++entries > _run.MaxEntries)
                    {
                        _run.Skipped.Add(Skip(relative, $"the backup stopped listing after {_run.MaxEntries} entries"));
                        return;
                    }
                    var problem = UntrustedValue.FileNameProblem(entry.Name);
                    var parts = relative.Concat(new[] { problem == null ? entry.Name : UntrustedValue.Printable(entry.Name) }).ToArray();
                    if (problem != null)
                    {
                        _run.Skipped.Add(Skip(parts, $"{problem}, which no local disk can keep"));
                        continue;
                    }
                    if (entry.IsDirectory)
                    {
                        if (entry.Name.StartsWith(".", StringComparison.Ordinal) || entry.Name == "site-packages") continue;
                        if (parts.Length > _run.MaxDepth)
                        {
                            _run.Skipped.Add(Skip(parts, $"the folder is nested deeper than {_run.MaxDepth} levels"));
                            continue;
                        }
                        try
                        {
                            _run.Folder.CreateFolder(parts);
                            _run.Folder.Keep(string.Join("/", parts), Mode(entry.Attributes));
                        }
                        catch (Exception e) when (IsFileProblem(e))
                        {
                            _run.Skipped.Add(Skip(parts, $"the folder could not be made here ({e.Message})"));
                            continue;
                        }
                        pending.Enqueue((entry.FullName, parts));
                        continue;
                    }
                    if (!entry.IsRegularFile) continue;
                    if (entry.Length > _run.MaxFileBytes)
                    {
                        _run.Skipped.Add(Skip(parts, $"larger than {_run.MaxFileBytes / (1024 * 1024)} MB"));
                        continue;
                    }
                    try
                    {
                        Fetch(sftp, entry, parts);
                    }
                    catch (Exception e) when (IsFileProblem(e) && !token.IsCancellationRequested)
                    {
                        _run.Skipped.Add(Skip(parts, e.Message));
                    }
                }
            }
        }

        private void Fetch(SftpClient sftp, ISftpFile entry, string[] parts)
        {
            if (_run.Folder.Holds(parts, entry.Length, entry.LastWriteTimeUtc, StreamedBackup.SameTime))
            {
                _run.Result.Files++;
                _run.Result.Bytes += entry.Length;
                _run.Result.Unchanged++;
                _run.Folder.Keep(string.Join("/", parts), Mode(entry.Attributes));
                return;
            }
            var mode = Mode(entry.Attributes);
            // At most the size it listed: a file that grows while it is read (or a lying server) is refused, not truncated.
            var written = _run.Folder.Write(parts, entry.Length, exactSize: false, mode, entry.LastWriteTimeUtc, file => sftp.DownloadFile(entry.FullName, file));
            _run.Result.Files++;
            _run.Result.Bytes += written;
            _run.Result.Downloaded++;
            _run.Result.DownloadedBytes += written;
            _run.Result.TransferredBytes += written;
            _run.Folder.Keep(string.Join("/", parts), mode);
        }

        /// <summary>The permission bits SFTP reports, as a number.</summary>
        internal static int Mode(SftpFileAttributes a) =>
            (a.OwnerCanRead ? 0x100 : 0) | (a.OwnerCanWrite ? 0x80 : 0) | (a.OwnerCanExecute ? 0x40 : 0)
            | (a.GroupCanRead ? 0x20 : 0) | (a.GroupCanWrite ? 0x10 : 0) | (a.GroupCanExecute ? 0x8 : 0)
            | (a.OthersCanRead ? 0x4 : 0) | (a.OthersCanWrite ? 0x2 : 0) | (a.OthersCanExecute ? 0x1 : 0);

        private static bool IsFileProblem(Exception e) =>
            e is System.IO.IOException || e is UnauthorizedAccessException || e is ArgumentException || e is Renci.SshNet.Common.SftpPathNotFoundException
            || e is Renci.SshNet.Common.SftpPermissionDeniedException || e is Renci.SshNet.Common.SshException || e is ArenaException;

        private static ArenaSkippedFile Skip(string[] parts, string reason) => new ArenaSkippedFile { Path = parts.Length == 0 ? "." : string.Join("/", parts), Reason = reason };
    }
}
