using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Jobs;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsLifecycle.Start, "ArenaPodJob", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPodJob))]
    public sealed class StartArenaPodJobCommand : SshFleetCmdlet
    {
        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNullOrEmpty]
        public string? Command { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override PodDefault WhenNothingChosen => PodDefault.Refuse;

        protected override void EndProcessing()
        {
            var pods = ChosenPods();
            if (pods.Count == 0) return;
            var what = $"Start the job '{TerminalText.SafeLine(Command)}' on {Describe(pods)}";
            // A job runs on after this command ends, so it is asked once for the batch as any change is.
            if (!ConfirmBatch(what, what + "?", "Start a job on pods", Force)) return;
            RunOperation(pods, new PodJobOperation.Start(Command!), batch =>
            {
                if (batch.Jobs.Count > 0)
                {
                    var job = batch.Jobs[0];
                    job.Endpoint = batch.Endpoint;
                    job.Duration = batch.Duration;
                    if (!batch.Succeeded)
                    {
                        job.FailedStep = batch.FailedStep;
                        job.ErrorId = batch.ErrorId;
                        job.Error = batch.Error;
                        job.JobId = null;
                    }
                    WriteObject(job);
                    return;
                }
                var failed = PodJobCmdlet.Unknown(batch);
                failed.State = ArenaPodJobState.NotStarted;
                WriteObject(failed);
            }, "started the job");
        }
    }
}
