using System.Collections.Generic;
using System.Management.Automation;

namespace ArenaInfra.Commands
{
    [Cmdlet(VerbsLifecycle.Start, "ArenaPod", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPod))]
    public sealed class StartArenaPodCommand : PodTargetCmdlet
    {
        /// <summary>Skip the confirmation prompt.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Emit each started pod.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void Act(IReadOnlyList<ArenaPod> pods)
        {
            var stopped = new List<ArenaPod>();
            foreach (var pod in pods)
            {
                if (pod.Status == ArenaPodStatus.Stopped) stopped.Add(pod);
                else WriteVerbose($"{pod.Name} is {pod.Status}, not stopped: nothing to start.");
            }
            if (stopped.Count == 0 || !ConfirmBatch($"Start {Describe(stopped)}", $"Start {Describe(stopped)}? Running pods are billed by the hour.", "Start pods", Force, ConfirmImpact.Medium))
            {
                return;
            }

            RunEach(stopped, 8, "Starting pods",
                (pod, token) => Api.ResumePodAsync(pod.Id, pod.GpuCount > 0 ? pod.GpuCount : 1, token),
                (pod, started) =>
                {
                    WriteVerbose($"{pod.Name} started; it gets a new SSH port once it is up.");
                    if (PassThru) WriteObject(started);
                },
                (pod, error) => WriteArenaError(error, pod));
        }
    }
}
