using System;
using System.IO;
using System.Management.Automation;
using ArenaInfra.Backup;
using ArenaInfra.Cmdlets.Base;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsData.Backup, "ArenaPod", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPodBackupResult))]
    public sealed class BackupArenaPodCommand : SshFleetCmdlet
    {
        [Parameter(Mandatory = true, Position = 1)]
        [ValidatePattern("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
        public string Label { get; set; } = "";

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string Destination { get; set; } = "./backup";

        [Parameter]
        [ValidateRange(0, 1000000)]
        public int MaxFileSizeMB { get; set; } = 50;

        [Parameter]
        [ValidateRange(1, 86400)]
        public int TimeoutSec { get; set; } = 3600;

        protected override PodDefault WhenNothingChosen => PodDefault.Fleet;

        protected override void EndProcessing()
        {
            var root = Path.Combine(SessionState.Path.GetUnresolvedProviderPathFromPSPath(Destination), Label);
            var config = EffectiveConfig;
            var budget = new BackupBudget((long)config.BackupMaxPodMB * 1024 * 1024, (long)config.BackupMaxRunMB * 1024 * 1024);
            var operation = new PodBackupOperation(root, (long)MaxFileSizeMB * 1024 * 1024, budget, config.RepoName) { Timeout = TimeSpan.FromSeconds(TimeoutSec) };
            RunOperation(ChosenPods(), operation, WriteObject, "backed up");
        }
    }
}
