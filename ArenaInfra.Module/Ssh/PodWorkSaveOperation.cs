using System;
using System.Linq;

namespace ArenaInfra.Ssh
{
    /// <summary>sync_git: commit everything and push it to a branch of its own for the day.</summary>
    internal sealed class PodWorkSaveOperation : PodOperation<ArenaPodSaveResult>
    {
        private readonly string _repoName;
        private readonly string _prefix;
        private readonly string _label;

        public PodWorkSaveOperation(string repoName, string prefix, string label)
        {
            _repoName = repoName;
            _prefix = prefix;
            _label = label;
        }

        public override string Activity => "Saving work";

        /// <summary>The branch a pod's work goes to: autocommit-&lt;prefix&gt;-&lt;label&gt;-&lt;machine&gt;, one a pod and a day.</summary>
        public static string BranchName(string prefix, string label, string machine) => $"autocommit-{prefix}-{label}-{machine}";

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
                "if git diff --cached --quiet; then echo ARENA-NOTHING; exit 0; fi",
                "ident=''",
                "if [ -z \"$(git config user.email)\" ]; then ident='-c user.name=ARENA-autocommit -c user.email=autocommit@arena.invalid'; fi",
                $"git $ident commit -q -m {q($"Autocommit {label} ({machineName})")} || exit 12",
                $"git push -q origin {q("HEAD:refs/heads/" + branch)} || exit 13",
                "git rev-parse HEAD"));
            if (output.ExitCode == 0 && output.StdOut.Contains("ARENA-NOTHING"))
            {
                result.Status = ArenaSaveStatus.NothingToCommit;
                return true;
            }
            if (output.ExitCode == 0)
            {
                result.Status = ArenaSaveStatus.Pushed;
                result.Commit = output.StdOut.Trim().Split('\n').Last().Trim();
                return true;
            }
            result.Status = ArenaSaveStatus.Failed;
            var step = output.ExitCode switch { 10 => "Repository", 11 => "Add", 12 => "Commit", 13 => "Push", _ => "Git" };
            return pod.Check(step, output);
        }

        protected override void Failed(ArenaPodSaveResult result, string step, string errorId, string error)
        {
            base.Failed(result, step, errorId, error);
            result.Status = ArenaSaveStatus.Failed;
        }
    }

}
