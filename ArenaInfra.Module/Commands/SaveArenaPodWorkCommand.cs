using System;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.Ssh;

namespace ArenaInfra.Commands
{
    [Cmdlet(VerbsData.Save, "ArenaPodWork", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPodSaveResult))]
    public sealed class SaveArenaPodWorkCommand : SshFleetCmdlet
    {
        /// <summary>The day or session, such as w1d2: part of each pod's branch name.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidatePattern("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
        public string Label { get; set; } = "";

        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; } = 300;

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void EndProcessing()
        {
            var config = EffectiveConfig;
            var targets = ReachableTargets(ChosenPods());
            if (targets.Count == 0) return;
            string Branch(SshTarget t) => $"autocommit-{config.Prefix}-{Label}-{t.Pod.MachineName ?? t.Pod.Name}";
            if (!ConfirmBatch($"Commit and push the work on {targets.Count} pod(s) to autocommit-{config.Prefix}-{Label}-<machine>: {string.Join(", ", targets.Select(t => t.Pod.Name))}", "Save the work on these pods?", "Save work", Force, ConfirmImpact.Medium)) return;

            var settings = OpenSettings();
            RunFleet(settings, targets, EffectiveThrottle, "Saving work",
                (target, token) => PodSession.Run<ArenaPodSaveResult>(target, settings, TimeSpan.FromSeconds(TimeoutSec), token,
                    pod => PodWorkSaver.Save(pod, config.RepoName, Branch(target), Label, target.Pod.MachineName ?? target.Pod.Name, (ArenaPodSaveResult)pod.Result)),
                (target, result) =>
                {
                    if (!result.Succeeded && result.Status != ArenaSaveStatus.Failed) result.Status = ArenaSaveStatus.Failed;
                    EmitResult(result);
                });
        }
    }
}
