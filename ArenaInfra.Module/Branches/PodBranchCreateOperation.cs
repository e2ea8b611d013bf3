using System;
using System.Linq;
using ArenaInfra.Operations;

namespace ArenaInfra.Branches
{
    /// <summary>
    /// New-ArenaPodBranch on one pod: the day's branch (Save-ArenaPodWork's name) pushed to origin at the
    /// pod's HEAD, without a commit, so every pod has one before the evening save. Idempotent: origin
    /// already at HEAD is fine; origin at another commit is refused (BranchExists), never force-pushed.
    /// </summary>
    internal sealed class PodBranchCreateOperation : PodOperation<ArenaPodBranchResult>
    {
        private readonly string _repoName;
        private readonly string _prefix;
        private readonly string _label;

        public PodBranchCreateOperation(string repoName, string prefix, string label)
        {
            _repoName = repoName;
            _prefix = prefix;
            _label = label;
        }

        public override string Activity => "Creating the day's branches";

        protected override bool Work(PodSession pod, ArenaPodBranchResult result)
        {
            var branch = PodWorkSaveOperation.BranchName(_prefix, _label, pod.Pod.MachineName ?? pod.Pod.Name);
            if (!BranchNames.IsValid(branch))
            {
                return pod.Fail("Branch", $"the branch name '{TerminalText.SafeLine(branch)}' is not one this module accepts", ArenaErrorIds.InvalidBranchName);
            }
            result.Branch = branch;
            var q = (Func<string, string>)PodCheck.ShellQuote;
            var output = pod.Shell(string.Join("\n",
                "export GIT_TERMINAL_PROMPT=0",
                $"cd \"$HOME\"/{q(_repoName)} 2>/dev/null || {{ printf 'no repository at ~/%s\\n' {q(_repoName)} >&2; exit 10; }}",
                "head=$(git rev-parse -q --verify HEAD) || { echo 'the repository has no commit' >&2; exit 11; }",
                $"remote=$(git ls-remote origin {q("refs/heads/" + branch)}) || exit 12",
                "remote=$(printf %s \"$remote\" | cut -f1)",
                "if [ -n \"$remote\" ]; then",
                "  if [ \"$remote\" = \"$head\" ]; then echo \"ARENA-BRANCH exists $head\"; exit 0; fi",
                "  echo \"ARENA-BRANCH other $remote\"; exit 14",
                "fi",
                $"git show-ref --verify --quiet {q("refs/heads/" + branch)} || git branch {q(branch)} \"$head\" || exit 13",
                $"git push -q origin \"$head:\"{q("refs/heads/" + branch)} || exit 13",
                "echo \"ARENA-BRANCH created $head\""));
            var answer = output.StdOut.Split('\n').Select(l => l.Trim().Split(' ')).LastOrDefault(p => p.Length == 3 && p[0] == "ARENA-BRANCH" && PodWorkSaveOperation.IsCommitId(p[2]));
            if (output.ExitCode == 14 && answer != null && answer[1] == "other")
            {
                return pod.Fail("Push", $"origin already has {branch} at another commit ({answer[2]}); it is not overwritten. Save-ArenaPodWork pushes the day's work there, or choose another -Label.", ArenaErrorIds.BranchExists);
            }
            if (output.ExitCode != 0)
            {
                var step = output.ExitCode switch { 10 => "Repository", 11 => "Repository", 12 => "Fetch", 13 => "Push", _ => "Git" };
                return pod.Check(step, output);
            }
            if (answer == null || (answer[1] != "created" && answer[1] != "exists"))
            {
                return pod.Fail("Push", "the pod did not say which commit the branch is at; it is not counted as made");
            }
            result.Commit = answer[2];
            result.Status = answer[1] == "created" ? ArenaBranchStatus.Created : ArenaBranchStatus.Exists;
            return true;
        }

        protected override void Failed(ArenaPodBranchResult result, string step, string errorId, string error)
        {
            base.Failed(result, step, errorId, error);
            result.Status = ArenaBranchStatus.Failed;
        }
    }
}
