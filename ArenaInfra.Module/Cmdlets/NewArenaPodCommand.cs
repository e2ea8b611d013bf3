using System;
using System.Collections.Generic;
using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Pods.Create;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsCommon.New, "ArenaPod", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPod))]
    public sealed class NewArenaPodCommand : PodCreationCmdlet
    {
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = 10;

        [Parameter]
        public SwitchParameter Wait { get; set; }

        [Parameter]
        [ValidateRange(1, 86400)]
        public int TimeoutSec { get; set; } = 900;

        [Parameter]
        public SwitchParameter Force { get; set; }

        [PSDefaultValue(Help = "RunPod")]
        [Parameter]
        public ArenaProvider Provider { get; set; } = ArenaProvider.RunPod;

        protected override void EndProcessing()
        {
            // An empty pipeline asks for no names, so nothing is created.
            if (NothingAsked) return;
            var request = Request();
            request.Provider = Provider;
            // One creator at a time on this machine: the names are judged against a list read after
            // the lock is taken, so a run that waited sees the pods the one before it bought.
            using var fleetLock = TakeFleetLock("created");
            var host = new CmdletBatchHost(this, Force);
            var batch = new PodCreationBatch(Api, EffectiveConfig, CreateJournal.Open(), host);
            var outcome = host.EndsCommand(() => batch.Create(request, ThrottleLimit, pod => { if (!Wait) WriteObject(pod); }), batch.Stopped);
            if (outcome == null) return;
            // The pods exist (or failed): waiting for them to boot needs no lock.
            fleetLock.Dispose();
            if (Wait) WaitFor(outcome);
            WriteSummary(outcome.Summary, outcome.AnyFailed);
        }

        private void WaitFor(PodCreationOutcome outcome)
        {
            var ready = new List<string>();
            try
            {
                WaitArenaPodCommand.WaitForPods(this, outcome.Created, TimeSpan.FromSeconds(TimeoutSec), TimeSpan.FromSeconds(5), ready);
            }
            catch (PipelineStoppedException)
            {
                Host.UI.WriteWarningLine(outcome.StoppedWhileWaiting(ready));
                throw;
            }
        }
    }
}
