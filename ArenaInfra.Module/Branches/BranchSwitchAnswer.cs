using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using ArenaInfra.Operations;

namespace ArenaInfra.Branches
{
    /// <summary>
    /// What a pod said in Set-ArenaPodBranch's "ARENA-SET &lt;key&gt; &lt;value&gt;" lines, each value believed only in
    /// its shape (a commit id, a count of at most 9 digits, a kept branch's name); the last line of a key
    /// counts, and anything else the pod printed is ignored.
    /// </summary>
    internal sealed class BranchSwitchAnswer
    {
        private static readonly Regex Count = new Regex("^[0-9]{1,9}$", RegexOptions.CultureInvariant);
        private readonly Dictionary<string, string> _said;

        private BranchSwitchAnswer(Dictionary<string, string> said, string[] kept)
        {
            _said = said;
            Kept = kept;
        }

        public static BranchSwitchAnswer Read(string stdOut)
        {
            var said = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var line in stdOut.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith("ARENA-SET ", StringComparison.Ordinal)))
            {
                var rest = line.Substring("ARENA-SET ".Length);
                var space = rest.IndexOf(' ');
                var key = space < 0 ? rest : rest.Substring(0, space);
                var value = space < 0 ? "" : rest.Substring(space + 1);
                if (key.Length <= 16 && value.Length <= 200) said[key] = value;
            }
            return new BranchSwitchAnswer(said, KeptWork.Read(stdOut));
        }

        /// <summary>The kept branches the pod named, by KeptWork's rule.</summary>
        public string[] Kept { get; }

        public bool Missing => _said.ContainsKey("missing");
        public string? Dirty => CountOf("dirty");
        public string? Diverged => CountOf("diverged");
        public string? Before => CommitOf("before");

        /// <summary>HEAD as read back after the switch, when it is on branch at origin's commit with no changed tracked file; else null.</summary>
        public string? VerifiedHead(string branch)
        {
            var head = CommitOf("head");
            var remote = CommitOf("remote");
            return head != null && head == remote && CommitOf("tracking") == remote
                && _said.TryGetValue("branch", out var on) && on == branch
                && _said.TryGetValue("clean", out var left) && left == "0"
                ? head : null;
        }

        /// <summary>True when the checkout was on branch at head before, and nothing was kept: nothing changed.</summary>
        public bool WasAlready(string branch, string head) =>
            Kept.Length == 0 && Before == head && _said.TryGetValue("was", out var was) && was == branch;

        private string? CountOf(string key) => _said.TryGetValue(key, out var v) && Count.IsMatch(v) ? v : null;

        private string? CommitOf(string key) => _said.TryGetValue(key, out var v) && PodWorkSaveOperation.IsCommitId(v) ? v : null;
    }
}
