using System.Linq;
using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsCommon.Get, "ArenaPod", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPod))]
    public sealed class GetArenaPodCommand : PodCmdlet
    {
        [Parameter]
        public ArenaPodStatus[]? Status { get; set; }

        protected override PodDefault WhenNothingChosen => PodDefault.Fleet;

        /// <summary>Showing is how a duplicate is found and resolved: both pods, with their ids, and a warning.</summary>
        protected override bool ShowsDuplicateNames => true;

        protected override void EndProcessing()
        {
            // The same choosing as every pod command; as Get-Process does, a plain name that matches
            // nothing is an error, a wildcard that matches nothing is not.
            foreach (var pod in ChosenPods().Where(p => Status == null || Status.Length == 0 || Status.Contains(p.Status))) WriteObject(pod);
        }
    }
}
