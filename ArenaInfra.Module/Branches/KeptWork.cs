using System;
using System.Linq;
using System.Text.RegularExpressions;
using ArenaInfra.Operations;

namespace ArenaInfra.Branches
{
    /// <summary>
    /// The one keep rule, for every command that resets the course repo to origin's branch and so would
    /// discard a participant's work: changes to tracked files are first committed (on a temporary
    /// index, so nothing of theirs is touched) to arena-kept/&lt;UTC time&gt;, whose parent is HEAD, and
    /// local commits on the branch that origin lacks get arena-kept/&lt;UTC time&gt;-&lt;branch&gt;. Only
    /// then the branch is checked out and reset. The pod names each kept branch in an ARENA-KEPT line.
    /// </summary>
    internal static class KeptWork
    {
        /// <summary>What a kept branch is called: arena-kept/&lt;UTC time&gt;, and -&lt;branch&gt; for local commits origin lacks.</summary>
        private static readonly Regex KeptName = new Regex("^arena-kept/[0-9]{8}-[0-9]{6}(-[A-Za-z0-9._/-]{1,200})?$", RegexOptions.CultureInvariant);

        /// <summary>
        /// Shell lines, in the repo with origin fetched: keep, then check out branch and reset it to
        /// origin/branch. by names the command in the kept commit's message. Every step that keeps work
        /// ends the script with failExit when it fails, whether or not the caller runs under set -e (a
        /// shell ignores set -e in a list joined by || or &amp;&amp;): nothing is reset unless all was kept, and a
        /// kept branch is named only once it exists. The temporary index starts from the repo's own, so a
        /// file staged but never committed is kept too, and an untracked file that origin's branch also has
        /// (which the checkout would overwrite) joins the kept commit; other untracked files stay as they are.
        /// </summary>
        public static string KeepThenReset(string branch, string by, int failExit)
        {
            var q = (Func<string, string>)PodCheck.ShellQuote;
            var origin = q("origin/" + branch);
            var orFail = $" || exit {failExit}";
            return string.Join("\n",
                "stamp=$(date -u +%Y%m%d-%H%M%S)" + orFail,
                "if [ -z \"$(git config user.email)\" ]; then export GIT_AUTHOR_NAME=ARENA-autocommit GIT_AUTHOR_EMAIL=autocommit@arena.invalid GIT_COMMITTER_NAME=ARENA-autocommit GIT_COMMITTER_EMAIL=autocommit@arena.invalid; fi",
                // Untracked files that origin's branch has too: the checkout and reset below overwrite them.
                "clobbered=$(mktemp)" + orFail,
                $"git ls-files -z -o --exclude-standard | xargs -0 -r git ls-tree -r -z --name-only {origin} -- > \"$clobbered\"" + orFail,
                "if git rev-parse -q --verify HEAD >/dev/null && { [ -n \"$(git status --porcelain --untracked-files=no)\" ] || [ -s \"$clobbered\" ]; }; then",
                "  index=$(mktemp)" + orFail,
                "  cp \"$(git rev-parse --git-path index)\" \"$index\"" + orFail,
                "  GIT_INDEX_FILE=\"$index\" git add -u" + orFail,
                "  GIT_INDEX_FILE=\"$index\" xargs -0 -r git add -f -- < \"$clobbered\"" + orFail,
                "  tree=$(GIT_INDEX_FILE=\"$index\" git write-tree)" + orFail,
                "  rm -f \"$index\"",
                $"  kept=$(git commit-tree \"$tree\" -p HEAD -m {q($"Kept by {by} before resetting to origin/{branch}: the uncommitted changes and the untracked files it would overwrite")})" + orFail,
                "  git branch \"arena-kept/$stamp\" \"$kept\"" + orFail,
                "  echo \"ARENA-KEPT arena-kept/$stamp\"",
                "fi",
                "rm -f \"$clobbered\"",
                $"if git rev-parse -q --verify {q("refs/heads/" + branch)} >/dev/null && ! git merge-base --is-ancestor {q("refs/heads/" + branch)} {origin}; then",
                $"  git branch \"arena-kept/$stamp-\"{q(branch)} {q("refs/heads/" + branch)}" + orFail,
                $"  echo \"ARENA-KEPT arena-kept/$stamp-\"{q(branch)}",
                "fi",
                $"{{ git checkout -q -f {q(branch)} 2>/dev/null || git checkout -q -f -b {q(branch)} {origin}; }}" + orFail,
                $"git reset -q --hard {origin}" + orFail);
        }

        /// <summary>The kept branches the pod named, each checked to be a kept branch's name; anything else it printed is ignored.</summary>
        public static string[] Read(string stdOut) => stdOut.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.StartsWith("ARENA-KEPT ", StringComparison.Ordinal))
            .Select(l => l.Substring("ARENA-KEPT ".Length))
            .Where(l => KeptName.IsMatch(l))
            .ToArray();
    }
}
