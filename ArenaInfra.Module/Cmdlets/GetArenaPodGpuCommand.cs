using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Operations;
using ArenaInfra.Ssh;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsCommon.Get, "ArenaPodGpu", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaGpuStatus))]
    public sealed class GetArenaPodGpuCommand : SshFleetCmdlet
    {
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
                RunOperation(pods, operation, result => { foreach (var gpu in GpuQuery.Statuses(result)) WriteObject(gpu); }, "answered");
                return;
            }
            if (pods.Count == 0) return;
            var route = Route();
            var settings = pods.Any(p => p.Status == ArenaPodStatus.Running) ? OpenSettings() : null;
            // One session a pod for the whole watch: a refresh is then one round trip a pod, not a handshake.
            var sessions = new SshSessionPool();
            if (settings != null) settings.Sessions = sessions;
            try
            {
                var refresh = 0;
                do
                {
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    var openedBefore = sessions.Opened;
                    var round = new List<ArenaGpuStatus>();
                    RunOperation(pods, operation, route, settings, result => round.AddRange(GpuQuery.Statuses(result)), Throttle(refresh, pods.Count));
                    Redraw(GpuTable.Render(round.OrderBy(s => s.Name, StringComparer.Ordinal).ThenBy(s => s.Index).ToList(), DateTime.Now,
                        $"Every {IntervalSec:0.#} s; Ctrl+C to stop."));
                    WriteVerbose($"Refresh {++refresh}: {pods.Count} pods in {clock.Elapsed.TotalSeconds:0.00} s, {sessions.Opened - openedBefore} new connections.");
                }
                while (!CancellationToken.WaitHandle.WaitOne(TimeSpan.FromSeconds(IntervalSec)));
            }
            finally
            {
                sessions.Dispose();
                if (settings != null) Release(settings);
            }
        }

        /// <summary>
        /// The throttle bounds handshakes, which cost CPU here and on the pods. Once the sessions are
        /// open a refresh is one channel a pod, so every pod is asked at once (unless -ThrottleLimit says
        /// otherwise): a refresh then takes one pod's round trips, not one per batch.
        /// </summary>
        private int Throttle(int refreshesDone, int podCount) =>
            refreshesDone == 0 || ThrottleLimit > 0 ? EffectiveThrottle : Math.Max(EffectiveThrottle, Math.Min(256, podCount));

        private void Redraw(string table)
        {
            // On a console, draw over the last table; elsewhere (a log, a transcript) just write it.
            var clear = Host.UI.RawUI != null && !Console.IsOutputRedirected ? "\u001b[H\u001b[2J" : "";
            Host.UI.Write(clear + table);
        }
    }
}
