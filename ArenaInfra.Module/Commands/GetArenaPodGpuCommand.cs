using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Text;
using ArenaInfra.Ssh;

namespace ArenaInfra.Commands
{
    [Cmdlet(VerbsCommon.Get, "ArenaPodGpu", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaGpuStatus))]
    public sealed class GetArenaPodGpuCommand : SshFleetCmdlet
    {
        /// <summary>Redraw a live table every -IntervalSec until Ctrl+C.</summary>
        [Parameter]
        public SwitchParameter Watch { get; set; }

        [Parameter]
        [ValidateRange(0.5, 3600)]
        public double IntervalSec { get; set; } = 2;

        [Parameter]
        [ValidateRange(1, 600)]
        public int TimeoutSec { get; set; } = 10;

        protected override void EndProcessing()
        {
            var targets = ReachableTargets(ChosenPods());
            if (targets.Count == 0) return;
            var settings = OpenSettings();
            try
            {
                do
                {
                    var round = new List<ArenaGpuStatus>();
                    RunFleet(settings, targets, EffectiveThrottle, "Asking pods about their GPUs",
                        (target, token) => Query(target, settings, token),
                        (target, statuses) => { if (Watch) round.AddRange(statuses); else foreach (var s in statuses) WriteObject(s); },
                        release: false);
                    if (Watch)
                    {
                        Redraw(round.OrderBy(s => s.Name, StringComparer.Ordinal).ThenBy(s => s.Index).ToList());
                        if (CancellationToken.WaitHandle.WaitOne(TimeSpan.FromSeconds(IntervalSec))) break;
                    }
                }
                while (Watch && !CancellationToken.IsCancellationRequested);
            }
            finally
            {
                Release(settings);
            }
        }

        private List<ArenaGpuStatus> Query(SshTarget target, SshSettings settings, System.Threading.CancellationToken token)
        {
            try
            {
                using var connection = SshPodConnection.Open(target, settings, token);
                var output = connection.Run(GpuQuery.Command, TimeSpan.FromSeconds(TimeoutSec), token);
                var statuses = output.ExitCode == 0 ? GpuQuery.Parse(output.StdOut, target.Pod) : new List<ArenaGpuStatus>();
                if (statuses.Count > 0) return statuses;
                return new List<ArenaGpuStatus> { Silent(target.Pod, output.TimedOut ? "nvidia-smi did not answer in time" : $"nvidia-smi failed (exit code {output.ExitCode}): {output.StdErr.Trim()}") };
            }
            catch (SshStageException e)
            {
                return new List<ArenaGpuStatus> { Silent(target.Pod, e.Message) };
            }
        }

        // A pod that does not answer is shown as such, never left out.
        private static ArenaGpuStatus Silent(ArenaPod pod, string error) =>
            new ArenaGpuStatus { Name = pod.Name, MachineName = pod.MachineName, Responding = false, Error = error };

        private void Redraw(IReadOnlyList<ArenaGpuStatus> statuses)
        {
            var text = new StringBuilder();
            text.Append(string.Format(CultureInfo.InvariantCulture, "{0,-18} {1,3} {2,-10} {3,5} {4,13}   {5:HH:mm:ss}\n", "Pod", "GPU", "Model", "Util", "Memory (GB)", DateTime.Now));
            foreach (var s in statuses)
            {
                text.Append(s.Responding
                    ? string.Format(CultureInfo.InvariantCulture, "{0,-18} {1,3} {2,-10} {3,4}% {4,6:0.0}/{5,-6:0.0}\n", s.Name, s.Index, s.Model, s.UtilizationPercent, s.MemoryUsedGB, s.MemoryTotalGB)
                    : string.Format(CultureInfo.InvariantCulture, "{0,-18}   - no answer: {1}\n", s.Name, s.Error));
            }
            // On a console, draw over the last table; elsewhere (a log, a transcript) just write it.
            var clear = Host.UI.RawUI != null && !Console.IsOutputRedirected ? "\u001b[H\u001b[2J" : "";
            Host.UI.Write(clear + text);
        }
    }
}
