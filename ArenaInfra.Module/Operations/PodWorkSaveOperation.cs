using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using ArenaInfra.Common;

namespace ArenaInfra.Operations
{
    /// <summary>
    /// sync_git: commit everything and push it to a branch of its own for the day. A pod with nothing
    /// new to commit still gets the day's branch, at its current commit, so a restore always finds it.
    /// Each push is recorded on this machine (SavedBranches): what a restore later checks the branch against.
    /// </summary>
    internal sealed class PodWorkSaveOperation : PodOperation<ArenaPodSaveResult>
    {
        private static readonly Regex CommitId = new Regex("^[0-9a-f]{40}([0-9a-f]{24})?$", RegexOptions.CultureInvariant);

        private readonly string _repoName;
        private readonly string _repoUrl;
        private readonly string _prefix;
        private readonly string _label;
        private readonly SavedBranches _record;

        public PodWorkSaveOperation(string repoName, string repoUrl, string prefix, string label, SavedBranches record)
        {
            _repoName = repoName;
            _repoUrl = repoUrl;
            _prefix = prefix;
            _label = label;
            _record = record;
        }

        public override string Activity => "Saving work";

        /// <summary>The branch a pod's work goes to: autocommit-&lt;prefix&gt;-&lt;label&gt;-&lt;machine&gt;, one a pod and a day.</summary>
        public static string BranchName(string prefix, string label, string machine) => $"autocommit-{prefix}-{label}-{machine}";

        /// <summary>A commit id as git prints it (SHA-1 or SHA-256), and nothing else: the pod's answer is not trusted.</summary>
        public static bool IsCommitId(string text) => CommitId.IsMatch(text);

        protected override bool Work(PodSession pod, ArenaPodSaveResult result)
        {
            var repoName = _repoName;
            var label = _label;
            var machineName = pod.Pod.MachineName ?? pod.Pod.Name;
            var branch = BranchName(_prefix, _label, machineName);
            var q = (Func<string, string>)PodCheck.ShellQuote;
            result.Branch = branch;
            var output = pod.Shell(string.Join("\n",
                "export GIT_TERMINAL_PROMPT=0",
                $"cd \"$HOME\"/{q(repoName)} 2>/dev/null || {{ printf 'no repository at ~/%s\\n' {q(repoName)} >&2; exit 10; }}",
                "git add -A || exit 11",
                "if git diff --cached --quiet; then",
                // A repository without a commit has nothing to push: there is no branch to make.
                "  git rev-parse -q --verify HEAD >/dev/null || { echo ARENA-EMPTY; exit 0; }",
                "  echo ARENA-NOTHING",
                "else",
                "  ident=''",
                "  if [ -z \"$(git config user.email)\" ]; then ident='-c user.name=ARENA-autocommit -c user.email=autocommit@arena.invalid'; fi",
                $"  git $ident commit -q -m {q($"Autocommit {label} ({machineName})")} || exit 12",
                "fi",
                // Unchanged or not, the day's branch is pushed, so that a restore from it always finds it.
                $"git push -q origin {q("HEAD:refs/heads/" + branch)} || exit 13",
                "git rev-parse HEAD"));
            if (output.ExitCode == 0 && output.StdOut.Contains("ARENA-EMPTY"))
            {
                result.Status = ArenaSaveStatus.NothingToCommit;
                result.Branch = null;
                return true;
            }
            if (output.ExitCode != 0)
            {
                result.Status = ArenaSaveStatus.Failed;
                var step = output.ExitCode switch { 10 => "Repository", 11 => "Add", 12 => "Commit", 13 => "Push", _ => "Git" };
                return pod.Check(step, output);
            }
            var commit = output.StdOut.Trim().Split('\n').Last().Trim();
            if (!IsCommitId(commit))
            {
                result.Status = ArenaSaveStatus.Failed;
                return pod.Fail("Push", $"the pod answered '{UntrustedValue.Printable(commit)}' where git prints the commit it pushed; the push is not recorded, and a restore from {branch} will refuse it");
            }
            result.Commit = commit;
            try
            {
                _record.Put(new SavedBranch { Repo = _repoUrl, Branch = branch, Commit = commit, Pod = pod.Pod.Name, SavedUtc = DateTime.UtcNow });
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                result.Status = ArenaSaveStatus.Failed;
                return pod.Fail("Record", $"{branch} was pushed at {commit}, but the record of it could not be written ({e.Message}); a restore from it will refuse it. Free the data folder and save again.", ArenaErrorIds.OutputFileWriteFailed);
            }
            result.Status = output.StdOut.Contains("ARENA-NOTHING") ? ArenaSaveStatus.NothingToCommit : ArenaSaveStatus.Pushed;
            return true;
        }

        protected override void Failed(ArenaPodSaveResult result, string step, string errorId, string error)
        {
            base.Failed(result, step, errorId, error);
            result.Status = ArenaSaveStatus.Failed;
        }
    }

}
