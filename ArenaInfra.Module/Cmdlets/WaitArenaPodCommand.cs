using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Pods;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsLifecycle.Wait, "ArenaPod", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPod))]
    public sealed class WaitArenaPodCommand : PodCmdlet
    {
        [Parameter]
        [ValidateRange(1, 86400)]
        public int TimeoutSec { get; set; } = 900;

        [Parameter]
        [ValidateRange(0.2, 300)]
        public double PollIntervalSec { get; set; } = 5;

        protected override PodDefault WhenNothingChosen => PodDefault.Fleet;

        protected override void EndProcessing()
        {
            WaitForPods(this, ChosenPods(), TimeSpan.FromSeconds(TimeoutSec), TimeSpan.FromSeconds(PollIntervalSec));
        }

        /// <summary>Waits, emitting each pod as it becomes ready and an error for each that does not.</summary>
        /// <param name="ready">Filled with the pods that became ready, for a caller that must say so after Ctrl+C.</param>
        internal static void WaitForPods(ArenaApiCmdlet cmdlet, IReadOnlyList<ArenaPod> pods, TimeSpan timeout, TimeSpan pollInterval, List<string>? ready = null)
        {
            if (pods.Count == 0) return;
            var waiter = new PodReadinessWaiter(cmdlet.Api, cmdlet.Log) { PollInterval = pollInterval };
            var progress = new BatchProgress(cmdlet.WriteProgress, "Waiting for pods", pods.Count, "ready");
            ready ??= new List<string>();
            var failures = cmdlet.CallRunPod((_, token) => waiter.WaitAsync(pods, timeout,
                pod => cmdlet.Post(() => { ready.Add(pod.Name); cmdlet.WriteObject(pod); }),
                (ready, _) => cmdlet.Post(() => progress.Show(ready)),
                token,
                (error, pod) => cmdlet.Post(() => cmdlet.WritePodError(error, pod.Name, pod))));
            progress.Complete();
            cmdlet.WriteSummary(ArenaBatchSummary.Of(cmdlet.MyInvocation.MyCommand.Name, "ready", ready, failures.Select(f => $"{f.Pod.Name} ({f.Error.ErrorId})")), failures.Count > 0);
        }
    }
}
