using System.Management.Automation;
using ArenaInfra.Branches;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Operations;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsCommon.New, "ArenaPodBranch", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPodBranchResult))]
    public sealed class NewArenaPodBranchCommand : SshFleetCmdlet
    {
        [Parameter(Mandatory = true, Position = 1)]
        public string Label { get; set; } = "";

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override PodDefault WhenNothingChosen => PodDefault.Refuse;

        protected override void BeginProcessing()
        {
            // Checked here, before any pod is chosen or contacted: a label reaches a shell on every pod.
            if (!BranchNames.IsValidLabel(Label)) ThrowArenaError(BranchNames.Invalid("label", Label), Label);
            base.BeginProcessing();
        }

        protected override void EndProcessing()
        {
            var config = EffectiveConfig;
            var pods = ChosenPods();
            if (pods.Count == 0) return;
            var what = $"Create and push {PodWorkSaveOperation.BranchName(config.Prefix, Label, "<machine>")} at the current commit of {Describe(pods)}";
            if (!ConfirmBatch(what, what + "?", "Create the day's branches", Force)) return;
            RunOperation(pods, new PodBranchCreateOperation(config.RepoName, config.Prefix, Label), WriteObject, "have the branch");
        }
    }
}
