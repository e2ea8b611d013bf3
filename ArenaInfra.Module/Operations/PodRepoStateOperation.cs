using System;
using System.Globalization;
using System.Linq;
using ArenaInfra.Common;

namespace ArenaInfra.Operations
{
    /// <summary>What a reset to origin would discard in one pod's course repo, asked before Initialize-ArenaPod confirms.</summary>
    internal sealed class ArenaPodRepoState : ArenaPodOperationResult
    {
        public bool HasRepo { get; internal set; }
        /// <summary>Tracked files with uncommitted changes.</summary>
        public int ChangedFiles { get; internal set; }
        /// <summary>Commits on the local branch that origin's copy of it lacks.</summary>
        public int LocalCommits { get; internal set; }
    }

    /// <summary>Reads, changes nothing: the count of changed tracked files and of local commits origin lacks (as last fetched).</summary>
    internal sealed class PodRepoStateOperation : PodOperation<ArenaPodRepoState>
    {
        private readonly string _repoName;
        private readonly string _branch;

        public PodRepoStateOperation(string repoName, string branch)
        {
            _repoName = repoName;
            _branch = branch;
        }

        public override string Activity => "Looking for uncommitted work";

        protected override bool Work(PodSession pod, ArenaPodRepoState result)
        {
            var q = (Func<string, string>)PodCheck.ShellQuote;
            var output = pod.Shell(string.Join("\n",
                $"cd \"$HOME\"/{q(_repoName)} 2>/dev/null && [ -d .git ] || {{ echo ARENA-NOREPO; exit 0; }}",
                "changed=$(git status --porcelain --untracked-files=no | wc -l)",
                $"ahead=$(git rev-list --count {q("origin/" + _branch)}..{q("refs/heads/" + _branch)} 2>/dev/null || echo 0)",
                "echo \"ARENA-REPO $changed $ahead\""));
            if (!pod.Check("Git", output)) return false;
            var line = output.StdOut.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("ARENA-", StringComparison.Ordinal)) ?? "";
            if (line == "ARENA-NOREPO") return true;
            var parts = line.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 3 || parts[0] != "ARENA-REPO"
                || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var changed)
                || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var ahead))
            {
                return pod.Fail("Git", $"the pod answered '{UntrustedValue.Printable(line)}' where the repo's state was expected");
            }
            result.HasRepo = true;
            result.ChangedFiles = changed;
            result.LocalCommits = ahead;
            return true;
        }
    }
}
