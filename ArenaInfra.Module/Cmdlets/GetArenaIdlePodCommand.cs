using System;
using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Idle;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsCommon.Get, "ArenaIdlePod", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaIdlePodReport))]
    public sealed class GetArenaIdlePodCommand : SshFleetCmdlet
    {
        [Parameter]
        [ValidateRange(0.5, 720)]
        public double Hours { get; set; } = 6;

        [Parameter]
        [ValidateRange(10, 600)]
        public int TimeoutSec { get; set; } = 60;

        [Parameter]
        public SwitchParameter CandidatesOnly { get; set; }

        protected override PodDefault WhenNothingChosen => PodDefault.Fleet;

        protected override void EndProcessing()
        {
            var operation = new IdlePodOperation(EffectiveConfig.RepoName, TimeSpan.FromHours(Hours)) { Timeout = TimeSpan.FromSeconds(TimeoutSec) };
            RunOperation(ChosenPods(), operation, report =>
            {
                if (!CandidatesOnly || report.Candidate) WriteObject(report);
            }, "answered");
        }
    }
}
