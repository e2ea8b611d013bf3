using System;
using System.Linq;
using ArenaInfra.Operations;

namespace ArenaInfra.Branches
{
    /// <summary>
    /// Set-ArenaPodBranch on one pod: asks origin for the branch, fetches it, and switches the course
    /// repo's checkout to it, fast-forward only (a tracked change is RepoDirty, local commits origin lacks
    /// BranchDiverged, both before anything is touched); with hard, KeptWork keeps what the reset
    /// discards, then resets. The pod answers in "ARENA-SET &lt;key&gt; &lt;value&gt;" lines, each value checked
    /// before it is believed, and the switch counts only when HEAD was read back on the branch, at the
    /// commit origin has, with no tracked change (BranchSwitchAnswer).
    /// </summary>
    internal sealed class PodBranchSwitchOperation : PodOperation<ArenaPodBranchSwitchResult>
    {
        private readonly string _repoName;
        private readonly string _branch;
        private readonly bool _hard;

        public PodBranchSwitchOperation(string repoName, string branch, bool hard)
        {
            _repoName = repoName;
            _branch = branch;
            _hard = hard;
        }

        public override string Activity => "Switching the pods' branch";

        protected override bool Work(PodSession pod, ArenaPodBranchSwitchResult result)
        {
            if (!BranchNames.IsValid(_branch))
            {
                return pod.Fail("Branch", $"the branch name '{TerminalText.SafeLine(_branch)}' is not one this module accepts", ArenaErrorIds.InvalidBranchName);
            }
            result.Branch = _branch;
            var output = pod.Shell(Script());
            var said = BranchSwitchAnswer.Read(output.StdOut);
            var name = pod.Pod.Name;
            var origin = "origin/" + _branch;
            result.PreviousCommit = said.Before;
            result.KeptBranches = said.Kept;
            switch (output.ExitCode)
            {
                case 20 when said.Missing:
                    return pod.Fail("Fetch", $"{name}: origin has no branch {_branch}; the checkout is as it was. Check the name (git ls-remote origin on the pod lists origin's branches), or push the branch first (New-ArenaPodBranch makes the day's branches).", ArenaErrorIds.BranchNotFound);
                case 21 when said.Dirty != null:
                    return pod.Fail("Switch", $"{name}: ~/{_repoName} has {said.Dirty} changed tracked file(s), so it was not switched to {_branch}; nothing was changed. Commit or stash them on the pod (Save-ArenaPodWork commits and pushes them), or give -Hard, which keeps them on an arena-kept/<time> branch before resetting to {origin}.", ArenaErrorIds.RepoDirty);
                case 22 when said.Diverged != null:
                    return pod.Fail("Switch", $"{name}: its local {_branch} has {said.Diverged} commit(s) that {origin} lacks, so it cannot be fast-forwarded; nothing was changed. Push them (Save-ArenaPodWork), or give -Hard, which keeps them on an arena-kept/<time>-{_branch} branch before resetting to {origin}.", ArenaErrorIds.BranchDiverged);
            }
            if (result.KeptBranches.Length > 0) pod.Log.Verbose($"{name}: the work -Hard discards is kept on {string.Join(", ", result.KeptBranches)}.");
            if (output.ExitCode != 0 || output.TimedOut)
            {
                var step = output.ExitCode switch { 10 => "Repository", 11 => "Repository", 12 => "Fetch", 20 => "Fetch", _ => "Switch" };
                return pod.Check(step, output);
            }
            var head = said.VerifiedHead(_branch);
            if (head == null)
            {
                return pod.Fail("Verify", $"{name}: the checkout was not read back on {_branch} at origin's commit with no changed tracked file; it is not counted as switched. Get-ArenaPodBranch shows where it is.");
            }
            result.Commit = head;
            result.Outcome = said.WasAlready(_branch, head) ? ArenaBranchSwitchOutcome.Current
                : _hard ? ArenaBranchSwitchOutcome.Reset : ArenaBranchSwitchOutcome.Switched;
            return true;
        }

        protected override void Failed(ArenaPodBranchSwitchResult result, string step, string errorId, string error)
        {
            base.Failed(result, step, errorId, error);
            result.Outcome = ArenaBranchSwitchOutcome.Failed;
        }

        private string Script()
        {
            var q = (Func<string, string>)PodCheck.ShellQuote;
            var local = q("refs/heads/" + _branch);
            var tracking = q("refs/remotes/origin/" + _branch);
            var switching = _hard
                ? new[] { KeptWork.KeepThenReset(_branch, "Set-ArenaPodBranch -Hard", failExit: 13) }
                : new[]
                {
                    "dirty=$(git status --porcelain --untracked-files=no | wc -l | tr -d ' ')",
                    "if [ \"$dirty\" != 0 ]; then echo \"ARENA-SET dirty $dirty\"; exit 21; fi",
                    $"if git rev-parse -q --verify {local} >/dev/null; then",
                    $"  if ! git merge-base --is-ancestor {local} \"$target\"; then echo \"ARENA-SET diverged $(git rev-list --count \"$target\"..{local})\"; exit 22; fi",
                    $"  git checkout -q {q(_branch)} -- || exit 13",
                    "  git merge -q --ff-only \"$target\" || exit 13",
                    "else",
                    $"  git checkout -q -b {q(_branch)} \"$target\" -- || exit 13",
                    "fi",
                };
            return string.Join("\n", new[]
            {
                "export GIT_TERMINAL_PROMPT=0",
                $"cd \"$HOME\"/{q(_repoName)} 2>/dev/null || {{ printf 'no repository at ~/%s\\n' {q(_repoName)} >&2; exit 10; }}",
                "before=$(git rev-parse -q --verify HEAD) || { echo 'the repository has no commit' >&2; exit 11; }",
                "echo \"ARENA-SET before $before\"",
                "printf 'ARENA-SET was %s\\n' \"$(git symbolic-ref -q --short HEAD)\"",
                $"listed=$(git ls-remote origin {local}) || exit 12",
                $"remote=$(printf '%s\\n' \"$listed\" | awk -v r={local} '$2 == r {{ print $1 }}')",
                "if [ -z \"$remote\" ]; then echo 'ARENA-SET missing'; exit 20; fi",
                "echo \"ARENA-SET remote $remote\"",
                $"git fetch -q origin {q($"+refs/heads/{_branch}:refs/remotes/origin/{_branch}")} || exit 12",
                $"target=$(git rev-parse -q --verify {tracking}) || exit 12",
            }.Concat(switching).Concat(new[]
            {
                $"git branch -q --set-upstream-to={q("origin/" + _branch)} {q(_branch)} >/dev/null 2>&1 || true",
                "printf 'ARENA-SET branch %s\\n' \"$(git symbolic-ref -q --short HEAD)\"",
                "printf 'ARENA-SET head %s\\n' \"$(git rev-parse -q --verify HEAD)\"",
                $"printf 'ARENA-SET tracking %s\\n' \"$(git rev-parse -q --verify {tracking})\"",
                "printf 'ARENA-SET clean %s\\n' \"$(git status --porcelain --untracked-files=no | wc -l | tr -d ' ')\"",
                "exit 0",
            }));
        }
    }
}
