using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Pods;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsLifecycle.Stop, "ArenaPod", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPod))]
    public sealed class StopArenaPodCommand : PodCmdlet
    {
        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter]
        public SwitchParameter AllowDataLoss { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override PodDefault WhenNothingChosen => PodDefault.Refuse;

        protected override void EndProcessing()
        {
            var running = new List<ArenaPod>();
            var (able, refused) = Providers.ProviderLifecycle.Split(ChosenPods());
            foreach (var pod in refused) WritePodError(Providers.ProviderLifecycle.Refusal(pod, "stopped"), pod.Name, pod);
            foreach (var pod in able)
            {
                if (pod.Status == ArenaPodStatus.Running || pod.Status == ArenaPodStatus.Starting || pod.Status == ArenaPodStatus.Provisioning) running.Add(pod);
                else WriteVerbose($"{pod.Name} is {pod.Status}, not running: nothing to stop.");
            }
            // RunPod refuses to stop a locked pod: say so now, before any request, and never ask it.
            var (unlocked, locked) = PodLock.Split(running);
            foreach (var pod in locked) WritePodError(PodLock.Refusal(pod, "stopped"), pod.Name, pod);
            running = unlocked;
            if (running.Count == 0) return;
            var plan = PodStopPlan.For(running, Workspace.WorkspaceRecords.Open().ReadAll());
            if (plan.LosesWork && !AllowDataLoss && !WhatIfRequested) ThrowArenaError(plan.DataLossNotAllowed());
            if (!ConfirmBatch(plan.Action, plan.Question, "Stop pods", Force)) return;

            var stopped = new List<string>();
            ActOnEach(running, "Stopping pods", "stopped",
                async (pod, token) => { await Api.StopPodAsync(pod.Id, token).ConfigureAwait(false); return pod; },
                (pod, _) => { WriteVerbose($"{pod.Name} stopped."); stopped.Add(pod.Id); });

            if (PassThru && stopped.Count > 0)
            {
                var current = CallRunPod((api, token) => api.ListPodsAsync(token));
                foreach (var pod in current.Where(p => stopped.Contains(p.Id)).OrderBy(p => p.Name, System.StringComparer.OrdinalIgnoreCase)) WriteObject(pod);
            }
        }
    }
}
