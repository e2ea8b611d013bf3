using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using ArenaInfra.Backup.Tar;
using ArenaInfra.Common;
using ArenaInfra.Operations;
using ArenaInfra.Ssh;
using Renci.SshNet;

namespace ArenaInfra.Backup
{
    /// <summary>
    /// backup: the pod's home, incremental: listed (HomeListing, or SftpHomeListing on a pod that lacks
    /// the tools for the stream), planned (BackupPlan), then fetched in one stream (TarStreamFetcher) or
    /// file by file over SFTP (SftpFetcher); both write through BackupFolder. Everything the pod sends
    /// is untrusted: names are checked before they become local paths (always under the pod's folder),
    /// sizes are capped as bytes arrive, depth and entries are bounded, the whole pod has one deadline,
    /// and a file the pod cannot send is skipped with its reason while the rest is copied.
    /// What this machine must do is checked too: the pod's size against its cap and the run's, and the
    /// disk's free space, before a byte is fetched; a file, folder or record that cannot be written here
    /// ends the pod as BackupIncomplete. The pod's record is removed before the first write and written
    /// after the last, so only a backup that finished says so, and a restore picks only such a one.
    /// </summary>
    internal sealed class PodBackupOperation : PodOperation<ArenaPodBackupResult>
    {
        public const int MaxDepth = 32;
        public const int MaxEntries = 200000;

        private readonly string _root;
        private readonly long _maxFileBytes;
        private readonly BackupBudget _budget;
        private readonly string _repoName;

        /// <summary>
        /// root: the label's folder; each pod gets a folder of its own in it, named after the pod. budget: the
        /// run's, shared by its pods. repoName: the course repo, taken from the volume when the home links it there.
        /// </summary>
        public PodBackupOperation(string root, long maxFileBytes, BackupBudget budget, string repoName = "")
        {
            _root = root;
            _maxFileBytes = maxFileBytes;
            _budget = budget;
            _repoName = repoName;
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
            var folder = new BackupFolder(destination, _root);
            var run = new BackupRun(folder, _maxFileBytes, MaxDepth, MaxEntries, result) { Repo = RepoLink.For(pod.Pod, _repoName) };
            var started = false;
            var ok = Copy(pod, run, () => started = true);
            // Whichever way the copy ended, the result says what was left out.
            result.Skipped = run.Skipped.ToArray();
            result.SkippedFiles = run.Skipped.Select(s => s.Path).ToArray();
            if (!started) return ok;
            try
            {
                // Last, after every file: what the restore needs and the copy cannot hold itself (the pod's own modes), and whether it finished.
                BackupCatalog.Write(_root, new BackupRecord
                {
                    Pod = pod.Pod.Name, Machine = pod.Pod.MachineName, PodId = pod.Pod.Id, CompletedUtc = DateTime.UtcNow,
                    Succeeded = ok, Files = result.Files, Bytes = result.Bytes, Modes = folder.Modes,
                });
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                if (!ok) return false;
                return pod.Fail("Record", $"the backup's record could not be written ({e.Message}): the files are in {destination}, but without its record "
                    + "the backup is not finished, so a restore leaves it alone and picks the newest finished one. Free space on the backup's disk and run the backup again", ArenaErrorIds.BackupIncomplete);
            }
            return ok;
        }

        private bool Copy(PodSession pod, BackupRun run, Action started)
        {
            var result = run.Result;
            // The whole pod within -TimeoutSec; ending the command or the session ends any read that hangs.
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(pod.Cancellation);
            deadline.CancelAfter(Timeout);
            try
            {
                // Nothing is written before the listing: a pod that cannot stream is then backed up over SFTP instead.
                var listing = HomeListing.List(pod, run.Filter, run.MaxEntries, deadline.Token, run.Repo);
                if (listing.CannotStream == null)
                {
                    run.Skipped.AddRange(listing.Problems);
                    RepoSeen(pod, run, listing.RepoIncluded, listing.RepoRefused);
                    result.Method = ArenaBackupMethod.Stream;
                    if (!PlanAndFetch(pod, run, listing.Entries, new TarStreamFetcher(run, pod), started, deadline.Token)) return false;
                }
                else
                {
                    pod.Log.Verbose($"{pod.Pod.Name}: {listing.CannotStream}; backing up over SFTP, one file at a time (slower).");
                    result.Method = ArenaBackupMethod.Sftp;
                    if (!OverSftp(pod, run, deadline, started)) return false;
                }
            }
            catch (BackupLinkException e)
            {
                return pod.Fail("Destination", $"nothing more was written: {e.Message}", ArenaErrorIds.BackupPathIsLink);
            }
            catch (BackupWriteException e)
            {
                return pod.Fail("Write", $"{e.Path} could not be written here ({e.Message}); {result.Files} file(s) are in the backup, but it did not finish, "
                    + "so a restore leaves it alone and picks the newest finished one. Free space on the backup's disk (or back up to another -Destination) and run it again", ArenaErrorIds.BackupIncomplete);
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

        /// <summary>What the listing found of the course repo on the volume: on the result, and a warning when a link was not followed.</summary>
        private static void RepoSeen(PodSession pod, BackupRun run, string? included, bool refused)
        {
            if (included != null)
            {
                run.Result.RepoPath = included;
                pod.Log.Verbose($"{pod.Pod.Name}: the course repo is on the volume at {included}; its files are backed up under {run.Repo!.Name}/ as from the home.");
                return;
            }
            if (!refused || run.Repo == null) return;
            var warning = run.Repo.NotIncluded();
            run.Result.Warnings = run.Result.Warnings.Concat(new[] { warning }).ToArray();
            pod.Log.Warning($"{pod.Pod.Name}: {warning}.");
        }

        /// <summary>
        /// The plan for the listing, the pod's share of the bounds for it, and the fetcher's bytes; false
        /// (the pod failed, nothing written) when the plan does not fit.
        /// </summary>
        private bool PlanAndFetch(PodSession pod, BackupRun run, List<ListedEntry> listing, IBackupFetcher fetcher, Action started, CancellationToken token)
        {
            var plan = run.Plan(listing, token);
            if (!Claim(pod, run, plan)) return false;
            try
            {
                Begin(run, pod, started);
                run.Carry(plan, fetcher, token);
            }
            finally
            {
                _budget.Release(plan);
            }
            return true;
        }

        /// <summary>The pod's share of the run's bounds and of the disk, or its failure (nothing written, its earlier backups as they were).</summary>
        private bool Claim(PodSession pod, BackupRun run, BackupPlan plan)
        {
            var refused = _budget.Claim(_root, plan);
            if (refused == null) return true;
            return pod.Fail("Size", refused.Value.Message, refused.Value.Id);
        }

        /// <summary>The first write: the label's and the pod's folders (real folders, never links), and the pod's record removed until the backup finishes.</summary>
        private void Begin(BackupRun run, PodSession pod, Action started)
        {
            run.Folder.Create();
            try
            {
                BackupCatalog.Begin(_root, pod.Pod.Name);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new BackupWriteException(BackupCatalog.RecordPath(_root, pod.Pod.Name), $"the earlier record could not be removed ({e.Message})", e);
            }
            started();
        }

        private bool OverSftp(PodSession pod, BackupRun run, CancellationTokenSource deadline, Action started)
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
                    var home = pod.Home.TrimEnd('/');
                    var listing = SftpHomeListing.List(sftp, home, run.Filter, run.MaxEntries, run.Skipped, homeMustList: true, deadline.Token);
                    var copy = SftpHomeListing.WithRepo(pod, sftp, run.Repo, listing, run.Filter, run.MaxEntries, run.Skipped, out var refused, deadline.Token);
                    RepoSeen(pod, run, copy, refused);
                    if (!PlanAndFetch(pod, run, listing, new SftpFetcher(run, sftp, home, copy), started, deadline.Token)) return false;
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
