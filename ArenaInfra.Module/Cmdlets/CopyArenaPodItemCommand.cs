using System;
using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Transfer;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsCommon.Copy, "ArenaPodItem", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaCopyResult))]
    public sealed class CopyArenaPodItemCommand : SshFleetCmdlet
    {
        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "";

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Destination { get; set; }

        /// <summary>Replace a different file already at the destination; without it such a pod is refused and nothing is written there.</summary>
        [Parameter]
        public SwitchParameter Overwrite { get; set; }

        [Parameter]
        [ValidateRange(1, 102400)]
        public int MaxSizeMB { get; set; } = 1024;

        [Parameter]
        [ValidateRange(1, 86400)]
        public int TimeoutSec { get; set; } = 600;

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override PodDefault WhenNothingChosen => PodDefault.Refuse;

        protected override void EndProcessing()
        {
            var config = EffectiveConfig;
            var pods = ChosenPods();
            if (pods.Count == 0) return;
            var local = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
            CopyPlan plan;
            try
            {
                plan = CopyPlan.Make(local, Destination, config.RepoName, config.RepoUrl, MaxSizeMB * 1024L * 1024L, CancellationToken);
            }
            catch (ArenaException e) { throw Terminating(e); }
            WriteVerbose($"Copying {plan.Files.Count} file(s), {plan.TotalBytes} bytes, to {plan.Destination}.");
            var what = $"Copy {Path} ({plan.Files.Count} file(s), {plan.TotalBytes} bytes) to {plan.Destination} on {Describe(pods)}{(Overwrite ? ", replacing different files" : "")}";
            if (!ConfirmBatch(what, what + "?", "Copy to pods", Force)) return;
            var operation = new PodCopyOperation(plan, config.RepoName, Overwrite, TimeSpan.FromSeconds(TimeoutSec)) { Timeout = TimeSpan.FromSeconds(TimeoutSec) };
            RunOperation(pods, operation, WriteObject, "copied and verified");
        }
    }
}
