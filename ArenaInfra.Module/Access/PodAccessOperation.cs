using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using ArenaInfra.Operations;

namespace ArenaInfra.Access
{
    /// <summary>
    /// Sync-ArenaPodAccess on one pod: its authorized_keys' block made to hold exactly the organiser's key
    /// and the keys of the participants assigned to its machine. The file is replaced in one rename,
    /// owner-only; every marked block becomes one, nothing else is touched, keys outside the block are
    /// reported (UnmanagedKeys), and a file that is already right is not written at all.
    /// </summary>
    internal sealed class PodAccessOperation : PodOperation<ArenaPodAccessResult>
    {
        private readonly Func<ArenaPod, IReadOnlyList<(string Id, string Line)>> _keys;
        private readonly Func<ArenaPod, IReadOnlyList<string>> _names;

        public PodAccessOperation(Func<ArenaPod, IReadOnlyList<(string Id, string Line)>> keys, Func<ArenaPod, IReadOnlyList<string>> names)
        {
            _keys = keys;
            _names = names;
        }

        public override string Activity => "Syncing access";

        protected override bool Work(PodSession pod, ArenaPodAccessResult result)
        {
            var current = pod.Shell("cat \"$HOME/.ssh/authorized_keys\" 2>/dev/null; exit 0");
            if (!pod.Check("Read", current)) return false;
            if (current.Cut) return pod.Fail("Read", "its authorized_keys is larger than the module reads (320 KB); nothing was changed");
            var keys = _keys(pod.Pod);
            var outcome = AuthorizedKeysBlock.Apply(current.StdOut, keys);
            var text = outcome.Text;
            result.Participants = _names(pod.Pod).ToArray();
            result.Added = outcome.Added.Where(a => a != AuthorizedKeysBlock.OrganiserId).ToArray();
            result.Removed = outcome.Removed.Where(r => r != AuthorizedKeysBlock.OrganiserId).ToArray();
            result.UnmanagedKeys = outcome.Unmanaged;
            // Judged on the whole file: a second block, or anything else a sync would take out, is a change.
            result.Changed = outcome.Changed;
            if (!result.Changed) return true;
            // Written beside it and renamed over it: sshd never reads half a file, and a lost connection leaves the old one.
            return pod.Step("Write", string.Join(" && ",
                "umask 077",
                "mkdir -p \"$HOME/.ssh\"",
                "cat > \"$HOME/.ssh/.authorized_keys.arena\"",
                "chmod 600 \"$HOME/.ssh/.authorized_keys.arena\"",
                "mv -f \"$HOME/.ssh/.authorized_keys.arena\" \"$HOME/.ssh/authorized_keys\""), new UTF8Encoding(false).GetBytes(text));
        }
    }
}
