using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.Backup;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Operations;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsData.Restore, "ArenaPod", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPodRestoreResult))]
    public sealed class RestoreArenaPodCommand : SshFleetCmdlet
    {
        [PSDefaultValue(Help = "the newest backup that finished")]
        [Parameter(Position = 1)]
        [ValidatePattern("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
        public string? Label { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string Source { get; set; } = "./backup";

        [Parameter]
        [ValidatePattern("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
        public string? FromBranch { get; set; }

        [Parameter]
        public SwitchParameter SkipFiles { get; set; }

        [Parameter]
        [ValidateRange(1, 86400)]
        public int TimeoutSec { get; set; } = 3600;

        [Parameter]
        public SwitchParameter OverwriteNewer { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override PodDefault WhenNothingChosen => PodDefault.Refuse;

        protected override void EndProcessing()
        {
            if (SkipFiles && FromBranch == null)
            {
                ThrowArenaError(new ArenaException(ArenaErrorIds.InvalidArgument, ErrorCategory.InvalidArgument,
                    "-SkipFiles leaves nothing to restore without -FromBranch.", "Add -FromBranch <label>, or leave out -SkipFiles."));
            }
            var pods = ChosenPods();
            if (pods.Count == 0) return;
            var config = EffectiveConfig;
            var root = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Source);
            var what = RestoreRequest.Describe(pods.Select(p => p.Name).ToList(), SkipFiles ? null : (Label == null ? "the newest backup" : $"the backup '{Label}'") + $" under {root}",
                FromBranch == null ? null : PodWorkSaveOperation.BranchName(config.Prefix, FromBranch, "<machine>"), OverwriteNewer && !SkipFiles, Force && FromBranch != null);
            if (!ConfirmBatch(what, what + "?", "Restore pods", Force)) return;
            var request = new RestoreRequest
            {
                BackupRoot = SkipFiles ? null : root,
                Label = Label,
                BranchLabel = FromBranch,
                RepoName = config.RepoName,
                RepoUrl = config.RepoUrl,
                Prefix = config.Prefix,
                OverwriteNewer = OverwriteNewer,
                AcceptChangedBranch = Force,
            };
            RunOperation(pods, new PodRestoreOperation(request) { Timeout = TimeSpan.FromSeconds(TimeoutSec) }, WriteObject, "restored");
        }
    }
}
