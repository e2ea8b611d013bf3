using System.Management.Automation;
using ArenaInfra.Branches;
using ArenaInfra.Cmdlets.Base;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsCommon.Get, "ArenaPodBranch", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPodBranchState))]
    public sealed class GetArenaPodBranchCommand : SshFleetCmdlet
    {
        protected override PodDefault WhenNothingChosen => PodDefault.Fleet;

        protected override void EndProcessing()
        {
            var config = EffectiveConfig;
            var pods = ChosenPods();
            if (pods.Count == 0) return;
            RunOperation(pods, new PodBranchStateOperation(config.RepoName), WriteObject, "read");
        }
    }
}
