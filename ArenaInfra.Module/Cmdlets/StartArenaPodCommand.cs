using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Repair;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsLifecycle.Start, "ArenaPod", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPod), typeof(ArenaPodRepairResult))]
    public sealed class StartArenaPodCommand : PodCmdlet
    {
        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        [Parameter]
        public SwitchParameter ReplaceIfStuck { get; set; }

        [Parameter]
        public Hashtable? RepairParameters { get; set; }

        protected override PodDefault WhenNothingChosen => PodDefault.Refuse;

        protected override void EndProcessing()
        {
            var stopped = new List<ArenaPod>();
            var (able, refused) = Providers.ProviderLifecycle.Split(ChosenPods());
            foreach (var pod in refused) WritePodError(Providers.ProviderLifecycle.Refusal(pod, "started"), pod.Name, pod);
            foreach (var pod in able)
            {
                if (pod.Status == ArenaPodStatus.Stopped) stopped.Add(pod);
                else WriteVerbose($"{pod.Name} is {pod.Status}, not stopped: nothing to start.");
            }
            if (stopped.Count == 0) return;
            var what = $"Start {Describe(stopped)}";
            var question = $"{what}? Running pods are billed by the hour. Each starts with a fresh container disk: set it up again (Initialize-ArenaPod).";
            if (!ConfirmBatch(what, question, "Start pods", Force)) return;

            var stuck = new List<ArenaPod>();
            ActOnEach(stopped, "Starting pods", "started",
                (pod, token) => Api.StartPodAsync(pod.Id, pod.GpuCount > 0 ? pod.GpuCount : 1, token),
                (pod, started) =>
                {
                    WriteVerbose($"{pod.Name} started; it gets a new SSH port once it is up.");
                    if (PassThru) WriteObject(started);
                },
                (pod, error) =>
                {
                    if (!ReplaceIfStuck || error.ErrorId != ArenaErrorIds.PodStuckOnHost) return false;
                    WriteWarning($"{pod.Name} is stuck on its host (no free GPU there); it is replaced under its name.");
                    stuck.Add(pod);
                    return true;
                });
            if (stuck.Count > 0) Replace(stuck);
        }

        /// <summary>What this command sets for the replacement itself (the pods, the config, the key, -Force): not taken twice from -RepairParameters.</summary>
        private static readonly HashSet<string> Own = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "Id", "Name", "Config", "ApiKey", "Force" };

        /// <summary>Repair-ArenaPod's batch on the stuck pods, in this command, with its config, key and -Force: its messages come in order with this command's.</summary>
        private void Replace(IReadOnlyList<ArenaPod> stuck)
        {
            using var parameters = RepairParameterBinder.Bind(RepairParameters, Own, (name, own) => WriteVerbose(own
                ? $"-RepairParameters {name} is left out: Start-ArenaPod sets it for the replacement itself."
                : $"-RepairParameters {name} is left out: the replacement runs inside Start-ArenaPod, under its own common parameters."),
                (EngineIntrinsics)GetVariableValue("ExecutionContext"));
            var options = parameters.Options(SessionState.Path.GetUnresolvedProviderPathFromPSPath);
            var config = EffectiveConfig;
            // As Repair-ArenaPod: the fleet lock before the fresh list, held until the batch is done.
            using var fleetLock = TakeFleetLock("replaced");
            var ssh = new StuckPodReplacement(this, config, parameters);
            var pods = ssh.Fresh(stuck, CallRunPod((api, token) => api.ListPodsAsync(token)));
            var host = new CmdletRepairHost(this, Force, ssh.OpenSettings, ssh.Release, ssh.Route, () => LoadRoster(null));
            var outcome = host.EndsCommand(() => new RepairBatch(Api, config, options, RepairJournal.Open(), host).Run(pods, Array.Empty<string>()));
            if (outcome == null) return;
            foreach (var result in outcome.Results) WriteObject(result);
            WriteSummary(outcome.Summary, outcome.AnyFailed);
        }
    }
}
