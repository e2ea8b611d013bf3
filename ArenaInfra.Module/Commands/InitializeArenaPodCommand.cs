using System;
using System.Collections.Generic;
using System.Management.Automation;
using ArenaInfra.Ssh;

namespace ArenaInfra.Commands
{
    [Cmdlet(VerbsData.Initialize, "ArenaPod", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPodSetupResult))]
    public sealed class InitializeArenaPodCommand : SshFleetCmdlet
    {
        [PSDefaultValue(Help = "SharedKeyPath from the config")]
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? GitKeyPath { get; set; }

        [Parameter]
        [ValidateSet("CopyKey", "SshConfig", "Git", "Name", IgnoreCase = true)]
        public string[]? Skip { get; set; }

        [Parameter]
        [ValidateRange(1, 7200)]
        public int TimeoutSec { get; set; } = 600;

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override PodDefault WhenNothingChosen => PodDefault.Refuse;

        protected override void EndProcessing()
        {
            var config = EffectiveConfig;
            var skip = new HashSet<string>(Skip ?? Array.Empty<string>(), StringComparer.OrdinalIgnoreCase);
            var pods = ChosenPods();
            if (pods.Count == 0) return;
            byte[] gitKey;
            try
            {
                gitKey = PodSetupPlan.ReadGitKey(GitKeyPath != null ? SessionState.Path.GetUnresolvedProviderPathFromPSPath(GitKeyPath) : config.SharedKeyPath, skip);
            }
            catch (ArenaException e)
            {
                ThrowArenaError(e);
                throw;
            }
            var plan = new PodSetupPlan
            {
                GitKey = gitKey,
                GitKeyRemotePath = config.GitKeyRemotePath,
                RepoName = config.RepoName,
                RepoUrl = config.RepoUrl,
                Branch = config.DefaultBranch,
                Skip = skip,
            };
            var what = $"Set up {Describe(pods)} ({plan.StepsToRun})";
            if (!ConfirmBatch(what, what + "?", "Set up pods", Force)) return;
            RunOperation(pods, new PodSetupOperation(plan) { Timeout = TimeSpan.FromSeconds(TimeoutSec) }, WriteObject, "set up");
        }
    }
}
