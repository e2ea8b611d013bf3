using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Operations;

namespace ArenaInfra.Cmdlets
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
                throw Terminating(e);
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
            var what = $"Set up {Describe(pods)} ({plan.StepsToRun})" + (skip.Contains("Git") || (Force && !WhatIfRequested) ? "" : ResetNotice(pods, plan));
            if (!ConfirmBatch(what, what + "?", "Set up pods", Force)) return;
            RunOperation(pods, new PodSetupOperation(plan) { Timeout = TimeSpan.FromSeconds(TimeoutSec) }, WriteObject, "set up");
        }

        /// <summary>For -WhatIf and the prompt: which pods' course repos hold work a reset to origin would discard, and what happens to it.</summary>
        private string ResetNotice(IReadOnlyList<ArenaPod> pods, PodSetupPlan plan)
        {
            var running = pods.Where(p => p.Status == ArenaPodStatus.Running).ToList();
            if (running.Count == 0) return "";
            var settings = OpenSettings();
            List<ArenaPodRepoState> states;
            try
            {
                states = RunOperation(running, new PodRepoStateOperation(plan.RepoName, plan.Branch) { Timeout = TimeSpan.FromSeconds(Math.Min(TimeoutSec, 60)) }, Route(), settings, _ => { });
            }
            finally
            {
                Release(settings);
            }
            var kept = $"is committed to a branch arena-kept/<time> in its repo, and the branch named in the result, before the reset to origin/{plan.Branch}";
            var dirty = states.Where(r => r.Succeeded && (r.ChangedFiles > 0 || r.LocalCommits > 0)).OrderBy(r => r.Name, StringComparer.Ordinal)
                .Select(r => $"{r.Name} ({(r.ChangedFiles > 0 ? $"{r.ChangedFiles} changed file(s)" : "")}{(r.ChangedFiles > 0 && r.LocalCommits > 0 ? ", " : "")}{(r.LocalCommits > 0 ? $"{r.LocalCommits} local commit(s)" : "")})").ToList();
            var unknown = states.Where(r => !r.Succeeded).Select(r => r.Name).OrderBy(n => n, StringComparer.Ordinal).ToList();
            return (dirty.Count == 0 ? $". No course repo holds uncommitted work" : $". Uncommitted work on {string.Join(", ", dirty)} {kept}")
                + (unknown.Count == 0 ? "" : $"; {string.Join(", ", unknown)} could not be checked (any work there is kept the same way)");
        }
    }
}
