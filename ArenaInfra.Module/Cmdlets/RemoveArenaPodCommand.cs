using System;
using System.Collections.Generic;
using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Pods;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsCommon.Remove, "ArenaPod", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPod))]
    public sealed class RemoveArenaPodCommand : PodCmdlet
    {
        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; } = 300;

        protected override PodDefault WhenNothingChosen => PodDefault.Refuse;

        private static bool NeedsStop(ArenaPod pod) => pod.Status != ArenaPodStatus.Stopped && pod.Status != ArenaPodStatus.Error;

        protected override void EndProcessing()
        {
            var targets = new List<ArenaPod>();
            var (able, refused) = Providers.ProviderLifecycle.Split(ChosenPods());
            foreach (var pod in refused) WritePodError(Providers.ProviderLifecycle.Refusal(pod, "removed"), pod.Name, pod);
            foreach (var pod in able)
            {
                if (pod.Locked == true)
                {
                    // RunPod refuses to stop or terminate a locked pod: refused here, before any request.
                    WritePodError(PodLock.Refusal(pod, "removed"), pod.Name, pod);
                    continue;
                }
                // A pod in ERROR runs nothing and bills nothing worth keeping: it is removed like a stopped one.
                if (pod.Status == ArenaPodStatus.Stopped || pod.Status == ArenaPodStatus.Error || Force)
                {
                    targets.Add(pod);
                }
                else
                {
                    WritePodError(new ArenaException(ArenaErrorIds.PodOperationFailed, ErrorCategory.InvalidOperation,
                        $"it is {pod.Status}; only stopped pods are removed, so it was left alone.",
                        "Stop it first (Stop-ArenaPod), or add -Force to stop and then remove it."), pod.Name, pod);
                }
            }
            if (targets.Count == 0) return;

            var running = targets.FindAll(NeedsStop).Count;
            var what = $"Remove {Describe(targets)}" + (running > 0 ? $" ({running} running: stopped first)" : "");
            if (!ConfirmBatch(what, $"{what}? Removing a pod destroys its disk and its volume; this cannot be undone.", "Remove pods", Force)) return;

            var lifecycle = new PodLifecycle(Api, Log);
            ActOnEach(targets, "Removing pods", "removed",
                (pod, token) => lifecycle.RemoveAsync(pod, NeedsStop(pod), TimeSpan.FromSeconds(TimeoutSec), token),
                (pod, removed) =>
                {
                    WriteVerbose($"{pod.Name} removed.");
                    if (PassThru) WriteObject(removed);
                });
        }
    }
}
