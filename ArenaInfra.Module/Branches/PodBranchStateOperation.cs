using System;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using ArenaInfra.Operations;

namespace ArenaInfra.Branches
{
    /// <summary>
    /// Get-ArenaPodBranch on one pod, read-only: the branch, the commit, the changed files and how far
    /// the branch is from its upstream, as "ARENA-BR &lt;key&gt; &lt;value&gt;" lines, each value checked
    /// (a branch name by BranchNames, a commit id, counts of at most 9 digits) before it is believed.
    /// </summary>
    internal sealed class PodBranchStateOperation : PodOperation<ArenaPodBranchState>
    {
        private static readonly Regex Count = new Regex("^[0-9]{1,9}$", RegexOptions.CultureInvariant);
        private readonly string _repoName;

        public PodBranchStateOperation(string repoName) => _repoName = repoName;

        public override string Activity => "Reading the pods' branches";

        protected override bool Work(PodSession pod, ArenaPodBranchState result)
        {
            var q = (Func<string, string>)PodCheck.ShellQuote;
            var output = pod.Shell(string.Join("\n",
                $"cd \"$HOME\"/{q(_repoName)} 2>/dev/null || {{ printf 'no repository at ~/%s\\n' {q(_repoName)} >&2; exit 10; }}",
                "printf 'ARENA-BR branch %s\\n' \"$(git symbolic-ref -q --short HEAD)\"",
                "printf 'ARENA-BR commit %s\\n' \"$(git rev-parse -q --verify HEAD)\"",
                "printf 'ARENA-BR dirty %s\\n' \"$(git -c core.fsmonitor= status --porcelain --untracked-files=normal | wc -l | tr -d ' ')\"",
                "ab=$(git rev-list --left-right --count 'HEAD...@{upstream}' 2>/dev/null) && printf 'ARENA-BR aheadbehind %s\\n' \"$ab\"",
                "exit 0"));
            if (output.ExitCode != 0) return pod.Check(output.ExitCode == 10 ? "Repository" : "Git", output);
            foreach (var line in output.StdOut.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith("ARENA-BR ", StringComparison.Ordinal)))
            {
                var rest = line.Substring("ARENA-BR ".Length);
                var space = rest.IndexOf(' ');
                if (space < 0) continue;
                var key = rest.Substring(0, space);
                var value = rest.Substring(space + 1);
                switch (key)
                {
                    case "branch" when value.Length > 0:
                        if (BranchNames.IsValid(value)) result.Branch = value;
                        else result.BranchRaw = value.Length > 200 ? value.Substring(0, 200) : value;
                        break;
                    case "commit" when PodWorkSaveOperation.IsCommitId(value):
                        result.Commit = value;
                        break;
                    case "dirty" when Count.IsMatch(value):
                        result.DirtyFiles = int.Parse(value, CultureInfo.InvariantCulture);
                        break;
                    case "aheadbehind":
                        var parts = value.Split('\t', ' ').Where(p => p.Length > 0).ToArray();
                        if (parts.Length == 2 && parts.All(Count.IsMatch))
                        {
                            result.Ahead = int.Parse(parts[0], CultureInfo.InvariantCulture);
                            result.Behind = int.Parse(parts[1], CultureInfo.InvariantCulture);
                        }
                        break;
                }
            }
            return true;
        }
    }
}
