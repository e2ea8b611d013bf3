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
        [ValidateSet("CopyKey", "SshConfig", "Git", "Workspace", "Name", "VsCode", IgnoreCase = true)]
        public string[]? Skip { get; set; }

        [Parameter]
        [ValidateRange(1, 7200)]
        public int TimeoutSec { get; set; } = 600;

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override PodDefault WhenNothingChosen => PodDefault.Refuse;

        protected override void EndProcessing()
        {
            var pods = ChosenPods();
            if (pods.Count == 0) return;
            var plan = PodSetupPlan.From(EffectiveConfig, Skip, GitKeyPath == null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(GitKeyPath));
            try
            {
                plan.ReadGitKey();
            }
            catch (ArenaException e)
            {
                throw Terminating(e);
            }
            var what = $"Set up {Describe(pods)} ({plan.StepsToRun})" + (!plan.ResetsRepos || (Force && !WhatIfRequested) ? "" : ResetNotice(pods, plan));
            if (!ConfirmBatch(what, what + "?", "Set up pods", Force)) return;
            RunOperation(pods, plan.Operation(TimeSpan.FromSeconds(TimeoutSec)), WriteObject, "set up");
        }

        /// <summary>What a reset to origin would discard on the running pods, asked of them before the confirmation.</summary>
        private string ResetNotice(IReadOnlyList<ArenaPod> pods, PodSetupPlan plan)
        {
            var running = pods.Where(p => p.Status == ArenaPodStatus.Running).ToList();
            if (running.Count == 0) return "";
            var settings = OpenSettings();
            try
            {
                return plan.ResetNotice(RunOperation(running, plan.RepoStateCheck(TimeSpan.FromSeconds(TimeoutSec)), Route(), settings, _ => { }));
            }
            finally
            {
                Release(settings);
            }
        }
    }
}
