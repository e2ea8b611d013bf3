using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Renci.SshNet;

namespace ArenaInfra.Ssh
{
    /// <summary>
    /// backup: the pod's home, incremental, in one stream (StreamedBackup) or, on a pod that lacks the
    /// tools for it, file by file over SFTP (SftpBackup); both write through BackupFolder. Everything the
    /// pod sends is untrusted: names are checked before they become local paths (always under the pod's
    /// folder), sizes are capped as bytes arrive, depth and entries are bounded, the whole pod has one
    /// deadline, and a file that cannot be fetched is skipped with its reason while the rest is copied.
    /// </summary>
    internal sealed class PodBackupOperation : PodOperation<ArenaPodBackupResult>
    {
        public const int MaxDepth = 32;
        public const int MaxEntries = 200000;

        private readonly string _root;
        private readonly long _maxFileBytes;

        /// <summary>root: the label's folder; each pod gets a folder of its own in it, named after the pod.</summary>
        public PodBackupOperation(string root, long maxFileBytes)
        {
            _root = root;
            _maxFileBytes = maxFileBytes;
        }

        public override string Activity => "Backing up pods";

        /// <summary>How long one SFTP operation (a listing, a read) may take.</summary>
        public TimeSpan SftpOperationTimeout { get; set; } = TimeSpan.FromSeconds(30);

        protected override bool Work(PodSession pod, ArenaPodBackupResult result)
        {
            string destination;
            try
            {
                destination = UntrustedValue.PathUnder(_root, new[] { pod.Pod.Name });
            }
            catch (ArgumentException e)
            {
                return pod.Fail("Destination", $"nothing was copied: the pod's name cannot be a folder name ({e.Message})", ArenaErrorIds.InvalidPodName);
            }
            result.Destination = destination;
            var folder = new BackupFolder(destination);
            var run = new BackupRun(folder, _maxFileBytes, MaxDepth, MaxEntries, result);
            var ok = Copy(pod, run);
            // Whichever way the copy ended, the result says what was left out.
            result.Skipped = run.Skipped.ToArray();
            result.SkippedFiles = run.Skipped.Select(s => s.Path).ToArray();
            if (Directory.Exists(destination))
            {
                try
                {
                    // What the restore needs and the copy cannot hold itself: the pod's own modes, and whether it finished.
                    BackupCatalog.Write(_root, new BackupRecord
                    {
                        Pod = pod.Pod.Name, Machine = pod.Pod.MachineName, PodId = pod.Pod.Id, CompletedUtc = DateTime.UtcNow,
                        Succeeded = ok, Files = result.Files, Bytes = result.Bytes, Modes = folder.Modes,
                    });
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    pod.Log.Warning($"{pod.Pod.Name}: the backup's record could not be written ({e.Message}); a restore will need -Label.");
                }
            }
            return ok;
        }

        private bool Copy(PodSession pod, BackupRun run)
        {
            var folder = run.Folder;
            var result = run.Result;
            // The whole pod within -TimeoutSec; ending the command or the session ends any read that hangs.
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(pod.Cancellation);
            deadline.CancelAfter(Timeout);
            try
            {
                var streamed = new StreamedBackup(run);
                var listing = streamed.List(pod, deadline.Token, out var cannotStream);
                folder.Create(_root);
                if (listing != null)
                {
                    result.Method = ArenaBackupMethod.Stream;
                    streamed.Run(pod, listing, deadline.Token);
                }
                else
                {
                    pod.Log.Verbose($"{pod.Pod.Name}: {cannotStream}; backing up over SFTP, one file at a time (slower).");
                    result.Method = ArenaBackupMethod.Sftp;
                    if (!OverSftp(pod, run, deadline)) return false;
                }
            }
            catch (BackupStepException e)
            {
                return pod.Fail(e.Step, e.Message, ArenaErrorIds.BackupFailed);
            }
            catch (TarFormatException e)
            {
                return pod.Fail("Download", $"the pod's stream broke off: {e.Message}; {result.Files} file(s) are in the backup", ArenaErrorIds.BackupFailed);
            }
            catch (Exception) when (deadline.IsCancellationRequested && !pod.Cancellation.IsCancellationRequested)
            {
                return pod.Fail("Timeout", $"the backup did not finish within {Timeout.TotalSeconds:0} s; {result.Files} file(s) are in it");
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return pod.Fail("Download", e.Message, ArenaErrorIds.BackupFailed);
            }
            return true;
        }

        private bool OverSftp(PodSession pod, BackupRun run, CancellationTokenSource deadline)
        {
            SftpClient sftp;
            try
            {
                // No single SFTP wait may outlast the pod's whole deadline (a stalled server never answers its start).
                sftp = pod.Connection.OpenSftp(SftpOperationTimeout < Timeout ? SftpOperationTimeout : Timeout, deadline.Token);
            }
            catch (SshStageException e)
            {
                return pod.Fail("Sftp", e.Message, e.ErrorId);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !pod.Cancellation.IsCancellationRequested)
            {
                return pod.Fail("Timeout", $"the pod's SFTP server did not start within {Timeout.TotalSeconds:0} s; nothing was copied", ArenaErrorIds.SftpFailed);
            }
            using (sftp)
            using (deadline.Token.Register(sftp.Dispose))
            {
                try
                {
                    new SftpBackup(run).Run(sftp, pod.Home.TrimEnd('/'), deadline.Token);
                }
                catch (Exception e) when (e is Renci.SshNet.Common.SshException || e is ObjectDisposedException)
                {
                    if (deadline.IsCancellationRequested && !pod.Cancellation.IsCancellationRequested) throw;
                    return pod.Fail("Download", e.Message, ArenaErrorIds.SftpFailed);
                }
            }
            return true;
        }
    }
}
