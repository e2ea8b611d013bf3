using System.Management.Automation;
using ArenaInfra.Pods;

namespace ArenaInfra.Cmdlets.Base
{
    /// <summary>
    /// Lock-ArenaPod and Unlock-ArenaPod: the chosen pods, one confirmation, one request a pod in
    /// parallel, and each pod written as RunPod returned it (or as it is, when it already was so).
    /// </summary>
    public abstract class PodLockCmdlet : PodCmdlet
    {
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override PodDefault WhenNothingChosen => PodDefault.Refuse;

        /// <summary>True for Lock-ArenaPod, false for Unlock-ArenaPod.</summary>
        private protected abstract bool Locking { get; }

        protected override void EndProcessing()
        {
            var locking = new PodLocking(Locking);
            var (toChange, alreadySo) = locking.Split(ChosenPods());
            foreach (var pod in alreadySo)
            {
                WriteVerbose($"{pod.Name} is already {locking.State}: nothing sent.");
                WriteObject(pod);
            }
            if (toChange.Count == 0) return;
            if (!ConfirmBatch(locking.Action(toChange), locking.Question(toChange), $"{locking.Verb} pods", Force)) return;

            ActOnEach(toChange, $"{locking.Verb}ing pods", locking.State,
                (pod, token) => locking.ApplyAsync(Api, pod, token),
                (pod, changed) =>
                {
                    WriteVerbose($"{pod.Name} {locking.State}.");
                    WriteObject(changed);
                });
        }
    }
}
