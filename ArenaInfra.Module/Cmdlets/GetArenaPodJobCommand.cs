using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsCommon.Get, "ArenaPodJob", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPodJob))]
    public sealed class GetArenaPodJobCommand : PodJobCmdlet
    {
        /// <summary>Reading jobs changes nothing, so with no pods named it looks at the whole fleet.</summary>
        protected override PodDefault WhenNothingChosen => PodDefault.Fleet;

        protected override void EndProcessing()
        {
            var pods = ChosenPods();
            ReadJobs(pods, WriteObject, unknownAsJob: true);
        }
    }
}
