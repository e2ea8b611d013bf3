using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.Jobs;

namespace ArenaInfra.Cmdlets.Base
{
    /// <summary>
    /// The job commands after Start: pods chosen as every pod command's, and jobs by -JobId or by the
    /// ArenaPodJob objects piped in (their JobId). An id is checked for its shape before it goes anywhere.
    /// </summary>
    public abstract class PodJobCmdlet : SshFleetCmdlet
    {
        private readonly List<string> _jobIds = new List<string>();

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowNull]
        [AllowEmptyCollection]
        public string[]? JobId { get; set; }

        protected override void ProcessRecord()
        {
            base.ProcessRecord();
            foreach (var id in JobId ?? Array.Empty<string>())
            {
                if (id == null) continue;
                if (!ArenaInfra.Jobs.JobId.IsValid(id))
                {
                    ThrowArenaError(new ArenaException(ArenaErrorIds.PodJobNotFound, ErrorCategory.InvalidArgument,
                        $"'{TerminalText.SafeLine(id)}' is not a job id, so no pod was asked for it.",
                        "Job ids look like 20261203T101500-3fa9c2d1: take them from Start-ArenaPodJob or Get-ArenaPodJob."), id);
                }
                if (!_jobIds.Contains(id)) _jobIds.Add(id);
            }
        }

        /// <summary>The job ids given or piped; null when none was.</summary>
        protected IReadOnlyList<string>? JobIds => _jobIds.Count == 0 ? null : _jobIds;

        /// <summary>With job ids, the pods to look on default to the fleet: an id names its job wherever it is.</summary>
        protected override PodDefault WhenNothingChosen => JobIds != null ? PodDefault.Fleet : PodDefault.Refuse;

        /// <summary>The jobs on the pods (all, or the ids), with an error for each pod that did not answer and each id no pod has.</summary>
        internal List<ArenaPodJob> ReadJobs(IReadOnlyList<ArenaPod> pods, Action<ArenaPodJob>? emit, bool unknownAsJob)
        {
            var jobs = new List<ArenaPodJob>();
            var found = new HashSet<string>(StringComparer.Ordinal);
            var unanswered = 0;
            RunOperation(pods, new PodJobOperation.List(JobIds), batch =>
            {
                if (!batch.Succeeded)
                {
                    unanswered++;
                    var unknown = Unknown(batch);
                    if (unknownAsJob) emit?.Invoke(unknown);
                    // A stopped pod runs no job: said, but not an error of a command that reads or ends jobs.
                    else if (batch.ErrorId == ArenaErrorIds.PodNotRunning) WriteWarning($"{TerminalText.SafeLine(batch.Name)}: its jobs were not read: {batch.Error}.");
                    else WritePodError(new ArenaException(batch.ErrorId ?? ArenaErrorIds.PodJobUnknown, ErrorCategory.ConnectionError,
                        $"its jobs could not be read ({batch.FailedStep}: {batch.Error}).", "Check the pod with Test-ArenaPod, then try again."), batch.Name, batch.Name);
                    return;
                }
                foreach (var job in batch.Jobs)
                {
                    found.Add(job.JobId!);
                    jobs.Add(job);
                    emit?.Invoke(job);
                }
            }, "answered");
            // An id is missing only when every pod answered: a silent pod may hold it.
            foreach (var id in JobIds ?? Array.Empty<string>())
            {
                if (found.Contains(id) || pods.Count == 0) continue;
                WriteArenaError(new ArenaException(ArenaErrorIds.PodJobNotFound, ErrorCategory.ObjectNotFound,
                    unanswered == 0 ? $"No chosen pod has the job {id}." : $"No pod that answered has the job {id}; {unanswered} did not answer.",
                    "Get-ArenaPodJob lists the jobs of the chosen pods; choose the pod the job runs on, or pipe the job from Start-ArenaPodJob."), id);
            }
            return jobs;
        }

        /// <summary>A pod that did not answer: its jobs' state is Unknown, never Completed.</summary>
        internal static ArenaPodJob Unknown(PodJobBatch batch) => new ArenaPodJob
        {
            Name = batch.Name, MachineName = batch.MachineName, PodId = batch.PodId, Endpoint = batch.Endpoint,
            State = ArenaPodJobState.Unknown, FailedStep = batch.FailedStep, ErrorId = batch.ErrorId, Error = batch.Error, Duration = batch.Duration,
        };
    }
}
