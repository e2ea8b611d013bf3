using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using ArenaInfra.RunPod;

namespace ArenaInfra.Pods
{
    /// <summary>
    /// Lock-ArenaPod and Unlock-ArenaPod: which pods need a request, what the one confirmation says,
    /// and the change itself. A pod already in the asked state is left alone (nothing sent); one whose
    /// lock is unknown is asked, and the backend says whether it can. What comes back counts only when
    /// it is the pod asked for with the lock asked for, whichever backend answered.
    /// </summary>
    internal sealed class PodLocking
    {
        private readonly bool _locked;

        public PodLocking(bool locked) => _locked = locked;

        /// <summary>"Lock" or "Unlock": the command's verb, for messages.</summary>
        public string Verb => _locked ? "Lock" : "Unlock";

        /// <summary>"locked" or "unlocked".</summary>
        public string State => _locked ? "locked" : "unlocked";

        /// <summary>The pods a request must change, and those RunPod already shows in the asked state.</summary>
        public (List<ArenaPod> ToChange, List<ArenaPod> AlreadySo) Split(IEnumerable<ArenaPod> pods)
        {
            var all = pods.ToList();
            return (all.Where(p => p.Locked != _locked).ToList(), all.Where(p => p.Locked == _locked).ToList());
        }

        /// <summary>What would be done, for -WhatIf and -Verbose.</summary>
        public string Action(IReadOnlyList<ArenaPod> pods) =>
            $"{Verb} {pods.Count} pod{(pods.Count == 1 ? "" : "s")}: {string.Join(", ", pods.Select(p => TerminalText.SafeLine(p.Name)))}";

        /// <summary>The question of the one confirmation.</summary>
        public string Question(IReadOnlyList<ArenaPod> pods) => Action(pods) + (_locked
            ? "? RunPod then refuses to stop, restart or terminate them, from any client and its console too, until they are unlocked (Unlock-ArenaPod)."
            : "? They can then be stopped, restarted and terminated again, by this module, RunPod's console, or anyone with the account's key.");

        /// <summary>The change, sent once; the pod RunPod answered with, checked to be the one asked for and in the asked state.</summary>
        public async Task<ArenaPod> ApplyAsync(IRunPodApi api, ArenaPod pod, CancellationToken cancellationToken)
        {
            var answer = await api.SetLockedAsync(pod.Id, _locked, cancellationToken).ConfigureAwait(false);
            if (answer.Id == pod.Id && answer.Locked == _locked) return answer;
            var shown = answer.Id != pod.Id ? $"another pod ({UntrustedValue.Printable(answer.Id)})"
                : answer.Locked == null ? "the pod without saying whether it is locked" : $"the pod {(answer.Locked == true ? "locked" : "unlocked")}";
            throw new ArenaException(ArenaErrorIds.PodOperationFailed, ErrorCategory.InvalidResult,
                $"{pod.Name}: asked to be {State}, RunPod answered with {shown}; it is not taken as {State}.",
                $"Run Get-ArenaPod to see its lock, then run {Verb}-ArenaPod again.");
        }
    }
}
