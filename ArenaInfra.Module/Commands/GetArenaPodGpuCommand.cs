using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.Rendering;
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

        protected override PodDefault WhenNothingChosen => PodDefault.Fleet;

        protected override void EndProcessing()
        {
            var pods = ChosenPods();
            var operation = new PodGpuOperation { Timeout = TimeSpan.FromSeconds(TimeoutSec) };
            if (!Watch)
            {
                RunOperation(pods, operation, result => { foreach (var gpu in Statuses(result)) WriteObject(gpu); }, "answered");
                return;
            }
            if (pods.Count == 0) return;
            var route = Route();
            var settings = pods.Any(p => p.Status == ArenaPodStatus.Running) ? OpenSettings() : null;
            try
            {
                do
                {
                    var round = new List<ArenaGpuStatus>();
                    RunOperation(pods, operation, route, settings, result => round.AddRange(Statuses(result)));
                    Redraw(GpuTable.Render(round.OrderBy(s => s.Name, StringComparer.Ordinal).ThenBy(s => s.Index).ToList(), DateTime.Now));
                }
                while (!CancellationToken.WaitHandle.WaitOne(TimeSpan.FromSeconds(IntervalSec)));
            }
            finally
            {
                if (settings != null) Release(settings);
            }
        }

        // A pod that does not answer is shown as such, never left out.
        private static IEnumerable<ArenaGpuStatus> Statuses(ArenaPodGpuResult result) => result.Succeeded
            ? result.Gpus
            : new[] { new ArenaGpuStatus { Name = result.Name, MachineName = result.MachineName, Responding = false, Error = result.Error } };

        private void Redraw(string table)
        {
            // On a console, draw over the last table; elsewhere (a log, a transcript) just write it.
            var clear = Host.UI.RawUI != null && !Console.IsOutputRedirected ? "\u001b[H\u001b[2J" : "";
            Host.UI.Write(clear + table);
        }
    }
}
