using System;
using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Operations;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsData.Save, "ArenaPodWork", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPodSaveResult))]
    public sealed class SaveArenaPodWorkCommand : SshFleetCmdlet
    {
        [Parameter(Mandatory = true, Position = 1)]
        [ValidatePattern("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
        public string Label { get; set; } = "";

        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; } = 300;

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override PodDefault WhenNothingChosen => PodDefault.Refuse;

        protected override void EndProcessing()
        {
            var config = EffectiveConfig;
            var pods = ChosenPods();
            if (pods.Count == 0) return;
            var what = $"Commit and push the work on {Describe(pods)} to {PodWorkSaveOperation.BranchName(config.Prefix, Label, "<machine>")}";
            if (!ConfirmBatch(what, what + "?", "Save work", Force)) return;
            RunOperation(pods, new PodWorkSaveOperation(config.RepoName, config.RepoUrl, config.Prefix, Label, SavedBranches.Open()) { Timeout = TimeSpan.FromSeconds(TimeoutSec) }, WriteObject, "saved");
        }
    }
}
