using System.Linq;
using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Health;

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
            var pods = ChosenPods();
            // One read of the health record for the whole list, however many pods.
            var health = HealthStore.Open().ReadAll(out var warning);
            if (warning != null) WriteWarning(warning);
            var workspace = Workspace.WorkspaceRecords.Open().ReadAll();
            foreach (var pod in pods.Where(p => Status == null || Status.Length == 0 || Status.Contains(p.Status)))
            {
                HealthStore.Show(pod, health);
                pod.RepoOnVolume = Workspace.WorkspaceRecords.Current(pod, workspace)?.RepoPath;
                WriteObject(pod);
            }
        }
    }
}
