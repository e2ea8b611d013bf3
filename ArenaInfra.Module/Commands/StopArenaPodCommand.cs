using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace ArenaInfra.Commands
{
    [Cmdlet(VerbsLifecycle.Stop, "ArenaPod", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPod))]
    public sealed class StopArenaPodCommand : PodTargetCmdlet
    {
        /// <summary>Skip the confirmation prompt.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Emit each stopped pod.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void Act(IReadOnlyList<ArenaPod> pods)
        {
            var running = new List<ArenaPod>();
            foreach (var pod in pods)
            {
                if (pod.Status == ArenaPodStatus.Running || pod.Status == ArenaPodStatus.Starting) running.Add(pod);
                else WriteVerbose($"{pod.Name} is {pod.Status}, not running: nothing to stop.");
            }
            if (running.Count == 0 || !ConfirmBatch($"Stop {Describe(running)}", $"Stop {Describe(running)}? Their disks are kept; they can be started again.", "Stop pods", Force, ConfirmImpact.Medium))
            {
                return;
            }

            var stopped = new List<string>();
            RunEach(running, 8, "Stopping pods",
                async (pod, token) => { await Api.StopPodAsync(pod.Id, token).ConfigureAwait(false); return pod; },
                (pod, _) => { WriteVerbose($"{pod.Name} stopped."); stopped.Add(pod.Id); },
                (pod, error) => WriteArenaError(error, pod));

            if (PassThru && stopped.Count > 0)
            {
                var current = CallRunPod((api, token) => api.ListPodsAsync(token));
                foreach (var pod in current.Where(p => stopped.Contains(p.Id)).OrderBy(p => p.Name, System.StringComparer.OrdinalIgnoreCase)) WriteObject(pod);
            }
        }
    }
}
