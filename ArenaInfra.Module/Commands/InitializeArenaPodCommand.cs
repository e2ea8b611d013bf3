using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.Ssh;

namespace ArenaInfra.Commands
{
    [Cmdlet(VerbsData.Initialize, "ArenaPod", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPodSetupResult))]
    public sealed class InitializeArenaPodCommand : SshFleetCmdlet
    {
        /// <summary>The git deploy key placed on each pod; default the shared key.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? GitKeyPath { get; set; }

        /// <summary>Steps to leave out.</summary>
        [Parameter]
        [ValidateSet("CopyKey", "SshConfig", "Git", "Name", IgnoreCase = true)]
        public string[]? Skip { get; set; }

        /// <summary>How long each step may take on a pod (a first fetch can be slow).</summary>
        [Parameter]
        [ValidateRange(1, 7200)]
        public int TimeoutSec { get; set; } = 600;

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void EndProcessing()
        {
            var config = EffectiveConfig;
            var pods = ChosenPods();
            var keyPath = GitKeyPath != null ? SessionState.Path.GetUnresolvedProviderPathFromPSPath(GitKeyPath) : config.SharedKeyPath;
            var skip = new HashSet<string>(Skip ?? new string[0], StringComparer.OrdinalIgnoreCase);
            byte[] gitKey = Array.Empty<byte>();
            if (!skip.Contains("CopyKey"))
            {
                if (!File.Exists(keyPath))
                {
                    ThrowArenaError(new ArenaException(ArenaErrorIds.SshKeyNotFound, ErrorCategory.ObjectNotFound,
                        $"The git deploy key '{keyPath}' does not exist.", "Give it with -GitKeyPath, or add -Skip CopyKey."), keyPath);
                }
                gitKey = File.ReadAllBytes(keyPath);
            }
            var targets = ReachableTargets(pods);
            if (targets.Count == 0) return;
            var steps = string.Join(", ", PodSetupPlan.Steps.Where(s => !skip.Contains(s)));
            if (!ConfirmBatch($"Set up {targets.Count} pod(s) ({steps}): {string.Join(", ", targets.Select(t => t.Pod.Name))}", "Set up these pods?", "Set up pods", Force, ConfirmImpact.Medium)) return;

            var plan = new PodSetupPlan
            {
                GitKey = gitKey,
                GitKeyRemotePath = config.GitKeyRemotePath,
                RepoName = config.RepoName,
                RepoUrl = config.RepoUrl,
                Branch = config.DefaultBranch,
                Skip = skip,
            };
            var settings = OpenSettings();
            RunFleet(settings, targets, EffectiveThrottle, "Setting up pods",
                (target, token) => PodSession.Run<ArenaPodSetupResult>(target, settings, TimeSpan.FromSeconds(TimeoutSec), token,
                    pod => PodSetup.Run(pod, plan, target.Pod.MachineName ?? target.Pod.Name, (ArenaPodSetupResult)pod.Result)),
                (target, result) => EmitResult(result));
        }
    }
}
