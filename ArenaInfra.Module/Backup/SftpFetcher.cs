using System;
using System.Threading;
using Renci.SshNet;

namespace ArenaInfra.Backup
{
    /// <summary>
    /// A plan's files over SFTP, one download each: for a pod that lacks what the stream needs. Slower
    /// (several round trips a file), but it needs nothing on the pod but its SFTP server.
    /// </summary>
    internal sealed class SftpFetcher : IBackupFetcher
    {
        private readonly BackupRun _run;
        private readonly SftpClient _sftp;
        private readonly string _home;

        private readonly string? _repoCopy;

        /// <summary>repoCopy: the course repo's volume copy, checked, whose files are read there rather than through the home's link.</summary>
        public SftpFetcher(BackupRun run, SftpClient sftp, string home, string? repoCopy = null)
        {
            _run = run;
            _sftp = sftp;
            _home = home.TrimEnd('/');
            _repoCopy = repoCopy;
        }

        private string Remote(string path) =>
            _repoCopy != null && _run.Repo != null && _run.Repo.Holds(path) ? _repoCopy + path.Substring(_run.Repo.Name.Length) : _home + "/" + path;

        public void Fetch(BackupPlan plan, CancellationToken token)
        {
            foreach (var entry in plan.Wanted)
            {
                token.ThrowIfCancellationRequested();
                try
                {
                    // At most the size it listed: a file that grows while it is read (or a lying server) is refused, not truncated.
                    var written = _run.Folder.Write(entry.Parts, entry.Size, exactSize: false, entry.Mode, entry.ModifiedUtc, file => _sftp.DownloadFile(Remote(entry.Path), file));
                    _run.Fetched(entry, written, entry.Mode);
                    _run.Result.TransferredBytes += written;
                }
                catch (Exception e) when (IsFileProblem(e) && !token.IsCancellationRequested)
                {
                    _run.Skipped.Add(BackupRun.Skip(entry.Path, e.Message));
                }
            }
        }

        private static bool IsFileProblem(Exception e) =>
            e is System.IO.IOException || e is UnauthorizedAccessException || e is ArgumentException || e is Renci.SshNet.Common.SftpPathNotFoundException
            || e is Renci.SshNet.Common.SftpPermissionDeniedException || e is Renci.SshNet.Common.SshException || e is ArenaException;
    }
}
