using System;
using System.IO;
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
            var what = (SkipFiles ? "" : $"Restore into the home of {Describe(pods)} the {(Label == null ? "newest backup" : $"backup '{Label}'")} under {root}")
                + (FromBranch == null ? "" : (SkipFiles ? $"Restore into {Describe(pods)}" : " and") + $" the course repo from {PodWorkSaveOperation.BranchName(config.Prefix, FromBranch, "<machine>")}")
                + (Force ? (SkipFiles ? "" : " (overwriting files newer on the pod)") + (FromBranch == null ? "" : " (taking the branch as origin has it, even if it changed since it was saved)") : "");
            if (!ConfirmBatch(what, what + "?", "Restore pods", Force)) return;
            var request = new RestoreRequest
            {
                BackupRoot = SkipFiles ? null : root,
                Label = Label,
                BranchLabel = FromBranch,
                RepoName = config.RepoName,
                RepoUrl = config.RepoUrl,
                Prefix = config.Prefix,
                OverwriteNewer = Force,
                AcceptChangedBranch = Force,
            };
            RunOperation(pods, new PodRestoreOperation(request) { Timeout = TimeSpan.FromSeconds(TimeoutSec) }, WriteObject, "restored");
        }
    }
}
