using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;

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
            foreach (var pod in ChosenPods())
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

        /// <summary>Repair-ArenaPod on the stuck pods, in this session, with this command's config, key and -Force.</summary>
        private void Replace(IReadOnlyList<ArenaPod> stuck)
        {
            using var repair = PowerShell.Create(RunspaceMode.CurrentRunspace);
            repair.AddCommand("Repair-ArenaPod").AddParameter("Id", stuck.Select(p => p.Id).ToArray()).AddParameter("Config", EffectiveConfig);
            if (ApiKey != null) repair.AddParameter("ApiKey", ApiKey);
            if (Force) repair.AddParameter("Force");
            // What this command sets itself (the pods, the config, the key, -Force) is not taken twice from -RepairParameters.
            var own = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "Id", "Name", "Config", "ApiKey", "Force" };
            foreach (DictionaryEntry parameter in RepairParameters ?? new Hashtable())
            {
                var name = parameter.Key.ToString();
                if (own.Contains(name)) WriteVerbose($"-RepairParameters {name} is left out: Start-ArenaPod sets it for the replacement itself.");
                else repair.AddParameter(name, parameter.Value);
            }
            StoppingNested = repair.Stop;
            foreach (var result in repair.Invoke()) WriteObject(result);
            StoppingNested = null;
            foreach (var line in repair.Streams.Verbose) WriteVerbose(line.Message);
            foreach (var line in repair.Streams.Warning) WriteWarning(line.Message);
            foreach (var record in repair.Streams.Information) WriteInformation(record);
            foreach (var error in repair.Streams.Error) WriteError(error);
        }
    }
}
