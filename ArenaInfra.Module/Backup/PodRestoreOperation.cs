using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using ArenaInfra.Backup.Tar;
using ArenaInfra.Common;
using ArenaInfra.Operations;

namespace ArenaInfra.Backup
{
    /// <summary>What a restore brings back, and from where.</summary>
    internal sealed class RestoreRequest
    {
        /// <summary>The backups' root (Backup-ArenaPod's -Destination); null when no files are restored.</summary>
        public string? BackupRoot { get; set; }
        /// <summary>The backup's label; null for the newest that finished.</summary>
        public string? Label { get; set; }
        /// <summary>The Save-ArenaPodWork label whose autocommit branch goes back into the course repo; null for none.</summary>
        public string? BranchLabel { get; set; }
        public string RepoName { get; set; } = "";
        /// <summary>The course repo's origin: with the branch, the key to the commit Save-ArenaPodWork recorded for it.</summary>
        public string RepoUrl { get; set; } = "";
        public string Prefix { get; set; } = "";
        /// <summary>Restore the branch as origin has it even when it is not the commit recorded when it was saved (Restore-ArenaPod -Force).</summary>
        public bool AcceptChangedBranch { get; set; }
        /// <summary>Where the saved commits are recorded; the data folder's record when not set.</summary>
        public SavedBranches? SavedBranches { get; set; }
        /// <summary>Overwrite files that are newer on the pod than in the backup (Restore-ArenaPod -OverwriteNewer).</summary>
        public bool OverwriteNewer { get; set; }

        /// <summary>
        /// The confirmation's sentence (without its question mark): pods, a pod's name or "2 pods (a, b)";
        /// backup, "the newest backup under ..." or null when no files go back; branch, the autocommit branch or null.
        /// </summary>
        public static string Describe(IReadOnlyList<string> pods, string? backup, string? branch, bool overwriteNewer, bool acceptChangedBranch)
        {
            var named = pods.Count == 1 ? pods[0] : $"{pods.Count} pods ({string.Join(", ", pods)})";
            var text = backup != null
                ? $"Restore {backup} into the home{(pods.Count == 1 ? "" : "s")} of {named}" + (branch == null ? "" : $", and the course repo from {branch}")
                : $"Restore the course repo of {named} from {branch}";
            if (overwriteNewer) text += ", overwriting files that are newer on the pod";
            if (acceptChangedBranch) text += ", taking the branch as origin has it even if it changed since it was saved";
            return text;
        }
    }

    /// <summary>
    /// restore: the course repo's autocommit branch (first, so that the files after it are the latest
    /// state), then the pod's backup, in one tar stream over one channel. It lists the pod's home as a
    /// backup does and sends only what differs: a file of the same size and time is left alone, a file
    /// newer on the pod is kept unless asked otherwise, and nothing goes where a link or a folder on
    /// the pod would lead it elsewhere. The names sent are the backup folder's own, each checked, and
    /// links in that folder are never followed; the pod's GNU tar writes them under the home only.
    /// </summary>
    internal sealed class PodRestoreOperation : PodOperation<ArenaPodRestoreResult>
    {
        private readonly RestoreRequest _request;

        public PodRestoreOperation(RestoreRequest request)
        {
            _request = request;
        }

        public override string Activity => "Restoring pods";

        /// <summary>The backup's own filter and depth, so the home is looked at as a backup looks at it; a restore sends files of any size.</summary>
        private static readonly BackupFilter Filter = new BackupFilter(PodBackupOperation.MaxDepth);

        protected override bool Work(PodSession pod, ArenaPodRestoreResult result)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(pod.Cancellation);
            deadline.CancelAfter(Timeout);
            try
            {
                var branchRestored = _request.BranchLabel == null || RestoreBranch(pod, result);
                // A branch that is not on origin, or not as it was saved, is said so and left alone, and the
                // files still come back; any other branch failure (the pod's git, a conflict) ends here.
                if (!branchRestored && result.BranchStatus != ArenaBranchRestoreStatus.NotFound && result.BranchStatus != ArenaBranchRestoreStatus.Refused) return false;
                if (_request.BackupRoot != null && !RestoreFiles(pod, result, deadline.Token)) return false;
                return branchRestored;
            }
            catch (BackupStepException e)
            {
                return pod.Fail(e.Step, e.Message, ArenaErrorIds.RestoreFailed);
            }
            catch (Exception) when (deadline.IsCancellationRequested && !pod.Cancellation.IsCancellationRequested)
            {
                return pod.Fail("Timeout", $"the restore did not finish within {Timeout.TotalSeconds:0} s; {result.Files} file(s) were sent", ArenaErrorIds.RestoreFailed);
            }
        }

        /// <summary>
        /// The autocommit branch back into the course repo, only as Save-ArenaPodWork pushed it: every pod
        /// shares one deploy key, so any participant can force-push anyone's branch, and what origin holds
        /// now is trusted only when it is the commit recorded on this machine at the save.
        /// </summary>
        private bool RestoreBranch(PodSession pod, ArenaPodRestoreResult result)
        {
            var machine = pod.Pod.MachineName ?? pod.Pod.Name;
            var branch = PodWorkSaveOperation.BranchName(_request.Prefix, _request.BranchLabel!, machine);
            result.Branch = branch;
            var saved = (_request.SavedBranches ?? SavedBranches.Open()).Get(_request.RepoUrl, branch);
            if (saved != null && !PodWorkSaveOperation.IsCommitId(saved.Commit)) saved = null;
            var q = (Func<string, string>)PodCheck.ShellQuote;
            var aside = q("arena-restore/" + _request.BranchLabel);
            var expected = saved == null ? "" : saved.Commit;
            var output = pod.Shell(string.Join("\n",
                "export GIT_TERMINAL_PROMPT=0",
                $"cd \"$HOME\"/{q(_request.RepoName)} 2>/dev/null || {{ printf 'no repository at ~/%s; Initialize-ArenaPod makes it\\n' {q(_request.RepoName)} >&2; exit 10; }}",
                // Only a branch origin says it does not have is "not found"; an origin that cannot be read is a failure.
                $"git ls-remote --exit-code origin {q("refs/heads/" + branch)} >/dev/null; rc=$?",
                "if [ $rc = 2 ]; then echo 'the branch is not on origin' >&2; exit 11; fi",
                "[ $rc = 0 ] || exit 17",
                $"git fetch -q origin {q("refs/heads/" + branch)} || exit 17",
                "head=$(git rev-parse FETCH_HEAD) || exit 11",
                $"expected={q(expected)}",
                // A head that is not the saved commit is named with the commits the save did not push, and nothing changes.
                $"if [ -n \"$expected\" ] && [ \"$head\" != \"$expected\" ] && [ {(_request.AcceptChangedBranch ? "1" : "0")} = 0 ]; then",
                "  echo \"ARENA-CHANGED $head\"",
                "  if git cat-file -e \"$expected^{commit}\" 2>/dev/null; then git log --format='%H %s' -n 10 \"$head\" --not \"$expected\"; else git log --format='%H %s' -n 10 \"$head\"; fi",
                "  exit 15",
                "fi",
                // No save recorded here: nothing vouches for the branch; it is named with what it would bring.
                $"if [ -z \"$expected\" ] && [ {(_request.AcceptChangedBranch ? "1" : "0")} = 0 ]; then",
                "  echo \"ARENA-UNRECORDED $head\"",
                "  git log --format='%H %s' -n 10 \"$head\" --not HEAD 2>/dev/null",
                "  exit 16",
                "fi",
                "if git merge-base --is-ancestor \"$head\" HEAD; then echo ARENA-UPTODATE; echo \"$head\"; exit 0; fi",
                // Work on the pod that is not committed stays as it is: the branch is kept beside it instead.
                $"if [ -n \"$(git status --porcelain --untracked-files=no)\" ]; then git branch -f {aside} \"$head\"; echo \"uncommitted changes are in the way; nothing changed, and the branch is fetched as \"{aside} >&2; exit 12; fi",
                "if git merge-base --is-ancestor HEAD \"$head\"; then git merge -q --ff-only \"$head\" || exit 13; echo ARENA-FASTFORWARD; echo \"$head\"; exit 0; fi",
                "ident=''",
                "if [ -z \"$(git config user.email)\" ]; then ident='-c user.name=ARENA-autocommit -c user.email=autocommit@arena.invalid'; fi",
                "if git $ident merge -q --no-edit \"$head\"; then echo ARENA-MERGED; echo \"$head\"; exit 0; fi",
                $"git merge --abort 2>/dev/null; git branch -f {aside} \"$head\"; echo \"the branch conflicts with the pod's own commits; nothing changed, and the branch is fetched as \"{aside} >&2; exit 14"));
            var lines = output.StdOut.Split(new[] { '\n' }, StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).ToArray();
            if (output.ExitCode == 0)
            {
                result.BranchStatus = output.StdOut.Contains("ARENA-UPTODATE") ? ArenaBranchRestoreStatus.UpToDate
                    : output.StdOut.Contains("ARENA-MERGED") ? ArenaBranchRestoreStatus.Merged : ArenaBranchRestoreStatus.FastForwarded;
                var restored = lines.LastOrDefault() ?? "";
                result.BranchCommit = PodWorkSaveOperation.IsCommitId(restored) ? restored : null;
                return true;
            }
            if (output.ExitCode == 11 && !output.TimedOut)
            {
                result.BranchStatus = ArenaBranchRestoreStatus.NotFound;
                return pod.Fail("Branch", $"{branch} is not on origin (the pod's work was not saved under '{_request.BranchLabel}'); the course repo is as it was.{FilesGoOn()}", ArenaErrorIds.BranchNotFound);
            }
            if (output.ExitCode == 15 && !output.TimedOut && lines.Length > 0 && lines[0].StartsWith("ARENA-CHANGED ", StringComparison.Ordinal))
            {
                result.BranchStatus = ArenaBranchRestoreStatus.Refused;
                var head = lines[0].Substring("ARENA-CHANGED ".Length).Trim();
                result.UnsavedCommits = Commits(lines);
                var named = Named(result.UnsavedCommits, "commits not from that save");
                return pod.Fail("Branch", $"{branch} has changed since Save-ArenaPodWork pushed {expected.Substring(0, 12)} on {saved!.SavedUtc:yyyy-MM-dd HH:mm} UTC: origin has it at {UntrustedValue.Printable(head)}{(named.Length == 0 ? "" : $" ({named.Substring(2)})")}; the course repo is as it was. Anyone with the deploy key can push to it: look at those commits, and restore with -Force only if they are the participant's own.{FilesGoOn()}", ArenaErrorIds.BranchChanged);
            }
            if (output.ExitCode == 16 && !output.TimedOut && lines.Length > 0 && lines[0].StartsWith("ARENA-UNRECORDED ", StringComparison.Ordinal))
            {
                result.BranchStatus = ArenaBranchRestoreStatus.Refused;
                result.UnsavedCommits = Commits(lines);
                return pod.Fail("Branch", $"no save of {branch} is recorded on this machine, so nothing shows that origin's copy (at {UntrustedValue.Printable(lines[0].Substring("ARENA-UNRECORDED ".Length).Trim())}{Named(result.UnsavedCommits, "commits it would bring")}) is the pod's own work; the course repo is as it was. Restore it with -Force only after looking at those commits.{FilesGoOn()}", ArenaErrorIds.BranchChanged);
            }
            result.BranchStatus = ArenaBranchRestoreStatus.Failed;
            return pod.Check("Branch", output);
        }

        private string FilesGoOn() => _request.BackupRoot == null ? "" : " The backup's files are restored all the same.";

        /// <summary>The "id subject" lines after the first, as the pod's git printed them: ids checked, subjects made printable and short.</summary>
        private static string[] Commits(string[] lines) => lines.Skip(1)
            .Select(l => l.Split(new[] { ' ' }, 2))
            .Where(p => PodWorkSaveOperation.IsCommitId(p[0]))
            .Select(p => p[0] + " " + Shorten(UntrustedValue.Printable(p.Length > 1 ? p[1] : "")))
            .ToArray();

        private static string Named(string[] commits, string what) =>
            commits.Length == 0 ? "" : $"; {what}: {string.Join("; ", commits.Select(c => c.Substring(0, 12) + c.Substring(c.IndexOf(' '))))}";

        private static string Shorten(string text) => text.Length <= 80 ? text : text.Substring(0, 77) + "...";

        private bool RestoreFiles(PodSession pod, ArenaPodRestoreResult result, CancellationToken token)
        {
            BackupChoice choice;
            try
            {
                choice = BackupCatalog.Find(_request.BackupRoot!, _request.Label, pod.Pod.Name);
            }
            catch (ArgumentException e)
            {
                return pod.Fail("Backup", $"the pod's name cannot be a folder name ({e.Message})", ArenaErrorIds.InvalidPodName);
            }
            catch (BackupLinkException e)
            {
                return pod.Fail("Backup", $"nothing was restored: {e.Message}", ArenaErrorIds.BackupPathIsLink);
            }
            result.LabelReason = choice.Reason;
            var source = choice.Source;
            if (source == null) return pod.Fail("Backup", $"{choice.Reason}; nothing was restored", ArenaErrorIds.BackupNotFound);
            result.Source = source.Folder;
            result.Label = source.Label;
            pod.Log.Verbose($"{pod.Pod.Name}: restoring from '{source.Label}': {choice.Reason}.");
            if (source.Record == null || !source.Record.Succeeded)
            {
                pod.Log.Warning($"{pod.Pod.Name}: the backup '{source.Label}' did not finish, so files may be missing from it; it is restored because -Label asked for it.");
            }
            var skipped = new List<ArenaSkippedFile>();
            var repo = RepoLink.For(pod.Pod, _request.RepoName);
            var listing = HomeListing.List(pod, Filter, PodBackupOperation.MaxEntries, token, repo);
            if (listing.CannotStream != null)
            {
                pod.Log.Verbose($"{pod.Pod.Name}: {listing.CannotStream}; restoring over SFTP, one file at a time (slower).");
                if (!OverSftp(pod, source, result, skipped, token)) return false;
            }
            else
            {
                skipped.AddRange(listing.Problems);
                RepoSeen(pod, result, repo, listing);
                var plan = Plan(pod, source, listing.Entries, result, skipped);
                // The course repo's files go into the volume's copy, from the volume (never through the home's link); the rest into the home.
                var intoVolume = listing.RepoIncluded != null ? plan.Order.Where(e => repo!.Holds(e.Path)).ToList() : new List<BackupFolderEntry>();
                var intoHome = plan.Order.Except(intoVolume).ToList();
                if (intoHome.Count > 0) Send(pod, source, intoHome, HomeCommand(), result, skipped, token);
                if (intoVolume.Count > 0) Send(pod, source, intoVolume, VolumeCommand(repo!), result, skipped, token);
            }
            result.Skipped = skipped.ToArray();
            result.SkippedFiles = skipped.Select(s => s.Path).ToArray();
            return true;
        }

        private RestorePlan Plan(PodSession pod, BackupSource source, List<ListedEntry> onPod, ArenaPodRestoreResult result, List<ArenaSkippedFile> skipped)
        {
            var plan = RestorePlan.Make(source, onPod, _request.OverwriteNewer, Filter, skipped);
            result.Unchanged = plan.Unchanged;
            pod.Log.Verbose($"{pod.Pod.Name}: restoring {plan.Files.Count} file(s) ({plan.Files.Sum(f => f.Size) / 1048576.0:0.0} MB) and {plan.Folders.Count} folder(s) from {source.Label}; {plan.Unchanged} already there.");
            return plan;
        }

        /// <summary>The way back for a pod without GNU tar: the same plan, file by file over SFTP.</summary>
        private bool OverSftp(PodSession pod, BackupSource source, ArenaPodRestoreResult result, List<ArenaSkippedFile> skipped, CancellationToken token)
        {
            result.Method = ArenaBackupMethod.Sftp;
            using var sftp = pod.Connection.OpenSftp(TimeSpan.FromSeconds(30), token);
            using (token.Register(sftp.Dispose))
            {
                var onPod = new SftpRestore(sftp, pod.Home).List(Filter, PodBackupOperation.MaxEntries, skipped, token);
                var repo = RepoLink.For(pod.Pod, _request.RepoName);
                var copy = SftpHomeListing.WithRepo(pod, sftp, repo, onPod, Filter, PodBackupOperation.MaxEntries, skipped, out var linkRefused, token);
                RepoSeen(pod, result, repo, new HomeListingResult { RepoIncluded = copy, RepoRefused = linkRefused });
                // The course repo's files are written in the volume's copy, by its own path, never through the home's link.
                var restore = new SftpRestore(sftp, pod.Home, copy == null ? null : path => repo!.Holds(path) ? copy + path.Substring(repo.Name.Length) : null);
                var plan = Plan(pod, source, onPod, result, skipped);
                var (sent, refused) = restore.Send(plan, source, entry => ModeOf(source, entry), token);
                skipped.AddRange(refused);
                result.Files += sent.Count;
                result.Bytes += sent.Sum(e => e.Size);
            }
            return true;
        }

        private static int ModeOf(BackupSource source, BackupFolderEntry entry) => source.Mode(entry.Path) ?? Widen(entry.LocalMode, entry.IsFolder);

        /// <summary>What a restore found of the course repo on the volume: on the result, and a warning when a link was not followed.</summary>
        private static void RepoSeen(PodSession pod, ArenaPodRestoreResult result, RepoLink? repo, HomeListingResult listing)
        {
            if (repo == null) return;
            if (listing.RepoIncluded != null)
            {
                result.RepoPath = listing.RepoIncluded;
                pod.Log.Verbose($"{pod.Pod.Name}: the course repo is on the volume at {listing.RepoIncluded}; the backup's {repo.Name}/ goes back there.");
                return;
            }
            if (!listing.RepoRefused) return;
            var warning = $"~/{repo.Name} is a link, but not the one Initialize-ArenaPod makes (to {(repo.Volume.Length == 0 ? "<volume>" : repo.Volume)}/{repo.Name}, a real folder on the volume): "
                + "it was not followed, and the backup's course repo files were NOT restored";
            result.Warnings = result.Warnings.Concat(new[] { warning }).ToArray();
            pod.Log.Warning($"{pod.Pod.Name}: {warning}.");
        }

        /// <summary>tar's options for a restore: never the pod's owners, folders' modes and times after their files, newer files kept unless asked.</summary>
        private string TarExtract => "tar -xf - --no-same-owner --delay-directory-restore" + (_request.OverwriteNewer ? "" : " --keep-newer-files");

        /// <summary>
        /// Into the home, then (in the same command) the home's listing: what the pod now holds, to count
        /// from (a tar that ended well is not proof). tar's exit code stays the command's.
        /// </summary>
        private string HomeCommand() => $"sh -c 'cd || exit {HomeListing.NoHome}; {TarExtract}; s=$?; {HomeListing.Find(Filter)}; exit $s'";

        /// <summary>
        /// Into the volume's copy of the course repo, from the volume (the names are &lt;repo&gt;/...), only
        /// while ~/&lt;repo&gt; is still the module's link to it; then the copy's listing, named as the home's.
        /// </summary>
        private string VolumeCommand(RepoLink repo) =>
            $"sh -c '{repo.Condition} || exit {RepoLink.Changed}; cd -- \"$ws\" || exit {HomeListing.NoHome}; {TarExtract}; s=$?; {repo.Find(Filter)}; exit $s'";

        private void Send(PodSession pod, BackupSource source, List<BackupFolderEntry> order, string command, ArenaPodRestoreResult result, List<ArenaSkippedFile> skipped, CancellationToken token)
        {
            var sent = new List<BackupFolderEntry>();
            var unreadable = new List<ArenaSkippedFile>();
            var after = new List<ListedEntry>();
            var listingCut = false;
            result.Method = ArenaBackupMethod.Stream;
            var run = pod.Connection.Stream(command, stdin =>
            {
                var tar = new TarStreamWriter(stdin);
                foreach (var entry in order)
                {
                    token.ThrowIfCancellationRequested();
                    var mode = ModeOf(source, entry);
                    if (entry.IsFolder)
                    {
                        tar.Folder(entry.Path, mode, entry.ModifiedUtc);
                        continue;
                    }
                    FileStream file;
                    try
                    {
                        file = new FileStream(entry.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
                    }
                    catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                    {
                        unreadable.Add(new ArenaSkippedFile { Path = entry.Path, Reason = $"could not be read here ({e.Message})" });
                        continue;
                    }
                    using (file)
                    {
                        // The size announced is the size read now: a backup file that changed since the walk is sent as it is.
                        tar.File(entry.Path, file.Length, mode, entry.ModifiedUtc, file);
                    }
                    sent.Add(entry);
                }
                tar.End();
            }, output => listingCut = HomeListing.Read(output, PodBackupOperation.MaxEntries, after.Add, (path, why) => { }), token);
            if (run.InputError != null && !(run.InputError is OperationCanceledException))
            {
                throw new BackupStepException("Upload", $"sending the files stopped: {run.InputError.Message}; {sent.Count} file(s) were sent");
            }
            if (run.ExitCode == HomeListing.NoHome) throw new BackupStepException("Upload", "the pod's home folder cannot be entered; nothing was restored");
            if (run.ExitCode == RepoLink.Changed) throw new BackupStepException("Upload", "the course repo's link in the home changed after the listing and no longer leads to the volume's copy: it was not followed, and none of the repo's files were restored");
            var problems = HomeListing.Problems(run.StdErr);
            skipped.AddRange(unreadable);
            var landed = Landed(after, listingCut, sent.Where(e => !problems.ContainsKey(e.Path)));
            foreach (var entry in sent)
            {
                if (problems.TryGetValue(entry.Path, out var said))
                {
                    skipped.Add(new ArenaSkippedFile { Path = entry.Path, Reason = $"the pod's tar did not write it ({said})" });
                    continue;
                }
                if (!landed.Contains(entry.Path))
                {
                    skipped.Add(new ArenaSkippedFile { Path = entry.Path, Reason = "not seen on the pod after the restore (its listing stopped at its cap), so not counted" });
                    continue;
                }
                result.Files++;
                result.Bytes += entry.Size;
            }
            if (run.ExitCode != 0 && problems.Count == 0)
            {
                throw new BackupStepException("Upload", $"the pod's tar failed ({PodSession.Last(run.StdErr, run.ExitCode)})");
            }
        }

        /// <summary>
        /// The files sent that the pod now holds, from the listing made right after tar: a tar that ended
        /// well is not proof (one that read nothing and exited 0 would have every file counted). A file
        /// sent that is not there, with no word from tar about it, fails the pod; past the listing's cap a
        /// file is not counted, and is named.
        /// </summary>
        private static HashSet<string> Landed(List<ListedEntry> after, bool listingCut, IEnumerable<BackupFolderEntry> sent)
        {
            var files = new HashSet<string>(after.Where(e => e.Type == 'f').Select(e => e.Path), StringComparer.Ordinal);
            var missing = sent.Where(e => !files.Contains(e.Path)).ToList();
            if (missing.Count > 0 && !listingCut)
            {
                throw new BackupStepException("Upload", $"the pod's tar ended but did not write {missing.Count} of the file(s) sent (first: {UntrustedValue.Printable(missing[0].Path)}); they are not restored");
            }
            return files;
        }

        /// <summary>A backup from before records kept the pod's modes holds only the owner's bits: give group and others read (and search) as a fresh home would.</summary>
        private static int Widen(int? localMode, bool folder)
        {
            var owner = (localMode ?? (folder ? 0x1C0 : 0x180)) & 0x1C0;
            var read = (owner & 0x100) != 0 ? 0x24 : 0;
            var search = (owner & 0x40) != 0 ? 0x9 : 0;
            return owner | read | search;
        }
    }
}
