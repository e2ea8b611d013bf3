using System;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Health;
using ArenaInfra.StatusPage;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsData.Export, "ArenaStatusPage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaStatusPageResult))]
    public sealed class ExportArenaStatusPageCommand : FleetExportCmdlet
    {
        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "";

        [Parameter]
        [ValidateRange(1, 30)]
        public int ProbeTimeoutSec { get; set; } = 5;

        protected override void EndProcessing()
        {
            var folder = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
            if (NothingFromPipeline)
            {
                WriteVerbose("No pods came through the pipeline, so no status page was written.");
                return;
            }
            var pods = ChosenPods();
            var action = $"Write the status page of {Describe(pods)} to '{folder}'";
            if (!ConfirmBatch(action, action + "?", "Write the status page", force: false, askUnlessForced: false)) return;

            var health = HealthStore.Open().ReadAll(out var warning);
            if (warning != null) WriteWarning(warning);
            var answered = Run(token => StatusReport.ProbeAsync(pods, TimeSpan.FromSeconds(ProbeTimeoutSec), Log, token));
            var now = DateTimeOffset.UtcNow;
            var status = StatusReport.Build(pods, answered, health, now);
            try
            {
                StatusPageWriter.Write(folder, status);
            }
            catch (ArenaException e)
            {
                throw Terminating(e);
            }
            WriteVerbose($"Wrote '{System.IO.Path.Combine(folder, StatusPageWriter.PageName)}' and '{System.IO.Path.Combine(folder, StatusPageWriter.StatusName)}'.");
            int Count(MachineState state) => status.Machines.Count(m => m.State == StatusReport.Word(state));
            WriteObject(new ArenaStatusPageResult
            {
                Path = folder,
                PagePath = System.IO.Path.Combine(folder, StatusPageWriter.PageName),
                StatusPath = System.IO.Path.Combine(folder, StatusPageWriter.StatusName),
                Machines = status.Machines.Count,
                Up = Count(MachineState.Up),
                Starting = Count(MachineState.Starting),
                Down = Count(MachineState.Down),
                WrittenAt = status.WrittenAt,
            });
        }
    }
}
