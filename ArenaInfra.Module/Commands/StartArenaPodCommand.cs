using System.Collections.Generic;
using System.Management.Automation;

namespace ArenaInfra.Commands
{
    [Cmdlet(VerbsLifecycle.Start, "ArenaPod", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPod))]
    public sealed class StartArenaPodCommand : PodCmdlet
    {
        /// <summary>Skip the confirmation prompt.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Emit each started pod.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

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

            ActOnEach(stopped, "Starting pods", "started",
                (pod, token) => Api.StartPodAsync(pod.Id, pod.GpuCount > 0 ? pod.GpuCount : 1, token),
                (pod, started) =>
                {
                    WriteVerbose($"{pod.Name} started; it gets a new SSH port once it is up.");
                    if (PassThru) WriteObject(started);
                });
        }
    }
}
