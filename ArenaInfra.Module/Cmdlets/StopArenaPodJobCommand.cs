using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Jobs;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsLifecycle.Stop, "ArenaPodJob", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPodJob))]
    public sealed class StopArenaPodJobCommand : PodJobCmdlet
    {
        [Parameter]
        [ValidateRange(0, 60)]
        public int GraceSec { get; set; } = 5;

        /// <summary>Every running job on the chosen pods, when no job is named.</summary>
        [Parameter]
        public SwitchParameter AllJobs { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void EndProcessing()
        {
            var pods = ChosenPods();
            if (pods.Count == 0) return;
            if (JobIds == null && !AllJobs)
            {
                // Ending work is never what a bare pod selection means: the jobs are named, piped, or all asked for.
                ThrowArenaError(new ArenaException(ArenaErrorIds.SelectionRequired, ErrorCategory.InvalidArgument,
                    "Stop-ArenaPodJob stops only the jobs it is given; no job was named, so nothing was stopped.",
                    "Give -JobId, pipe the jobs (Get-ArenaPodJob -Name alpha | Stop-ArenaPodJob), or give -AllJobs for every running job on the chosen pods."));
            }
            var running = ReadJobs(pods, null, unknownAsJob: false);
            foreach (var ended in running.Where(j => j.State != ArenaPodJobState.Running))
            {
                WriteVerbose($"{ended.Name}: job {ended.JobId} is {ended.State}, nothing to stop.");
                WriteObject(ended);
            }
            var toStop = running.Where(j => j.State == ArenaPodJobState.Running).ToList();
            if (toStop.Count == 0) return;
            var byPod = toStop.GroupBy(j => j.PodId!).ToDictionary(g => g.Key, g => g.Select(j => j.JobId!).ToList());
            var chosen = pods.Where(p => byPod.ContainsKey(p.Id)).ToList();
            var what = $"Stop {toStop.Count} job{(toStop.Count == 1 ? "" : "s")} (the whole process group of each): {string.Join(", ", toStop.Select(j => $"{j.Name} {j.JobId}"))}";
            if (!ConfirmBatch(what, what + "?", "Stop jobs on pods", Force)) return;
            RunOperation(chosen, new PodJobOperation.Stop(byPod, GraceSec), batch =>
            {
                if (batch.Jobs.Count == 0)
                {
                    WritePodError(new ArenaException(batch.ErrorId ?? ArenaErrorIds.PodJobUnknown, ErrorCategory.ConnectionError,
                        $"its jobs could not be stopped or checked ({batch.FailedStep}: {batch.Error}).", "Check the pod with Test-ArenaPod, then run Get-ArenaPodJob to see where its jobs are."), batch.Name, batch.Name);
                    return;
                }
                foreach (var job in batch.Jobs)
                {
                    if (job.ErrorId == ArenaErrorIds.PodJobStopFailed)
                    {
                        WritePodError(new ArenaException(ArenaErrorIds.PodJobStopFailed, ErrorCategory.OperationStopped,
                            $"job {job.JobId}: {job.Error}.", "Look at the pod's processes (ps -eo pid,pgid,cmd) and end them by hand, or restart the pod."), job.Name, job);
                    }
                    WriteObject(job);
                }
            }, "stopped the jobs");
        }
    }
}
