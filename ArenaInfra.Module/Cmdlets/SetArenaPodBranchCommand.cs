using System.Management.Automation;
using ArenaInfra.Branches;
using ArenaInfra.Cmdlets.Base;

namespace ArenaInfra.Cmdlets
{
    // ConfirmImpact is -Hard's; a fast-forward confirms at Medium (ConfirmBatch's impact).
    [Cmdlet(VerbsCommon.Set, "ArenaPodBranch", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPodBranchSwitchResult))]
    public sealed class SetArenaPodBranchCommand : SshFleetCmdlet
    {
        [Parameter(Mandatory = true, Position = 1)]
        public string Branch { get; set; } = "";

        [Parameter]
        public SwitchParameter Hard { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override PodDefault WhenNothingChosen => PodDefault.Refuse;

        protected override void BeginProcessing()
        {
            // Checked here, before any pod is chosen or contacted: the name reaches a shell on every pod.
            if (!BranchNames.IsValid(Branch)) ThrowArenaError(BranchNames.Invalid("branch name", Branch), Branch);
            base.BeginProcessing();
        }

        protected override void EndProcessing()
        {
            var config = EffectiveConfig;
            var pods = ChosenPods();
            if (pods.Count == 0) return;
            var what = Hard
                ? $"Reset the course repo of {Describe(pods)} to origin/{Branch}, its uncommitted changes and local commits origin lacks kept first on arena-kept/<time> branches"
                : $"Switch the course repo of {Describe(pods)} to origin's {Branch}, fast-forward only";
            if (!ConfirmBatch(what, what + "?", Hard ? "Reset the pods' branch" : "Switch the pods' branch", Force, askUnlessForced: Hard, impact: Hard ? (ConfirmImpact?)null : ConfirmImpact.Medium)) return;
            RunOperation(pods, new PodBranchSwitchOperation(config.RepoName, Branch, Hard), WriteObject, Hard ? "reset" : "switched");
        }
    }
}
