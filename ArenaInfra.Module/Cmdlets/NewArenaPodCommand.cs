using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Config;
using ArenaInfra.Pods.Create;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsCommon.New, "ArenaPod", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPod))]
    public sealed class NewArenaPodCommand : ArenaApiCmdlet
    {
        private const string CountSet = "Count";
        private const string AddSet = "Add";
        private const string NameSet = "Name";

        private readonly List<string> _names = new List<string>();

        [Parameter(ParameterSetName = CountSet, Mandatory = true)]
        [ValidateRange(1, 1000)]
        public int Count { get; set; }

        [Parameter(ParameterSetName = AddSet, Mandatory = true)]
        [ValidateRange(1, 1000)]
        public int Add { get; set; }

        [Parameter(ParameterSetName = NameSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("MachineName")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PodNameCompleter))]
        public string[]? Name { get; set; }

        [PSDefaultValue(Help = "GpuType from the config")]
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(GpuTypeCompleter))]
        public string[]? GpuType { get; set; }

        [PSDefaultValue(Help = "GpuCount from the config")]
        [Parameter]
        [ValidateRange(1, 16)]
        public int? GpuCount { get; set; }

        [PSDefaultValue(Help = "CloudType from the config")]
        [Parameter]
        [ValidateSet("COMMUNITY", "SECURE", "ALL", IgnoreCase = true)]
        public string[]? CloudType { get; set; }

        [PSDefaultValue(Help = "None (no cap)")]
        [Parameter]
        [ValidateRange(0.001, 10000)]
        public decimal? MaxCostPerHour { get; set; }

        [PSDefaultValue(Help = "None (a refused pod fails at once)")]
        [Parameter]
        public TimeSpan? WaitForCapacity { get; set; }

        [PSDefaultValue(Help = "Image from the config")]
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Image { get; set; }

        [PSDefaultValue(Help = "DiskSizeGB from the config")]
        [Parameter]
        [ValidateRange(1, 10000)]
        public int? DiskSizeGB { get; set; }

        [PSDefaultValue(Help = "VolumeSizeGB from the config")]
        [Parameter]
        [ValidateRange(0, 10000)]
        public int? VolumeSizeGB { get; set; }

        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = 10;

        [Parameter]
        public SwitchParameter Wait { get; set; }

        [Parameter]
        [ValidateRange(1, 86400)]
        public int TimeoutSec { get; set; } = 900;

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            if (Name != null) _names.AddRange(Name);
        }

        protected override void BeginProcessing()
        {
            if (VolumeSizeGB is int volume && volume > 0 && volume < ConfigValueConverter.MinimumVolumeGB)
            {
                ThrowArenaError(new ArenaException(ArenaErrorIds.InvalidArgument, ErrorCategory.InvalidArgument,
                    $"-VolumeSizeGB {volume} is below RunPod's smallest volume of {ConfigValueConverter.MinimumVolumeGB} GB; nothing was created.",
                    $"Give 0 for no volume, or at least {ConfigValueConverter.MinimumVolumeGB}."));
            }
        }

        protected override void EndProcessing()
        {
            // An empty pipeline asks for no names, so nothing is created.
            if (ParameterSetName == NameSet && _names.Count == 0) return;
            var request = new PodCreationRequest
            {
                Count = ParameterSetName == CountSet ? Count : (int?)null,
                Add = ParameterSetName == AddSet ? Add : (int?)null,
                Names = _names,
                GpuTypes = GpuType,
                GpuCount = GpuCount,
                CloudTypes = CloudType,
                MaxCostPerHour = MaxCostPerHour,
                WaitForCapacity = WaitForCapacity,
                Image = Image,
                DiskSizeGB = DiskSizeGB,
                VolumeSizeGB = VolumeSizeGB,
            };
            var config = EffectiveConfig;
            // One creator at a time on this machine: the names are judged against a list read after
            // the lock is taken, so a run that waited sees the pods the one before it bought.
            using var fleetLock = TakeFleetLock("created");
            var journal = CreateJournal.Open();
            var plan = CallRunPod((api, token) => PodCreationPlanner.PlanAsync(api, config, request, Log, token, journal));
            foreach (var warning in plan.Names.Warnings) WriteWarning(warning);
            foreach (var name in plan.Names.Existing) WriteWarning($"{name} exists already; it is not created again.");
            foreach (var (error, name) in plan.Names.Errors) WritePodError(error, name, name);
            if (plan.Specs.Count == 0)
            {
                WriteSummary(plan.Summary(Array.Empty<ArenaPod>(), Array.Empty<string>()), plan.Names.Errors.Count > 0);
                return;
            }
            var hopeless = CapacityPlan.Hopeless(plan.Candidates, WaitForCapacity != null);
            if (hopeless != null) ThrowArenaError(hopeless);
            if (!ConfirmBatch(plan.Action, plan.Action + "?", "Create pods", Force)) return;

            var creator = new CapacityFallback(new PodCreator(Api, Log, journal: journal), Log);
            var waitUntil = WaitForCapacity == null ? (DateTime?)null : DateTime.UtcNow + WaitForCapacity.Value;
            var candidates = plan.ToTry;
            var created = new List<ArenaPod>();
            var failed = new List<string>();
            try
            {
                RunEach(plan.Specs, ThrottleLimit, waitUntil == null ? "Creating pods" : $"Creating pods (refused ones tried again until {waitUntil.Value.ToLocalTime():HH:mm:ss})",
                async (spec, token) =>
                {
                    var (made, got) = await creator.CreateAsync(spec, candidates, waitUntil, token).ConfigureAwait(false);
                    made.CloudType = got.Cloud;
                    made.GpuTypeId ??= got.GpuTypeId;
                    made.CostPerHour ??= got.PricePerHour;
                    return made;
                },
                (spec, pod) =>
                {
                    WriteVerbose($"{pod.Name} created ({pod.Id}) with {pod.GpuTypeId} on {pod.CloudType}.");
                    created.Add(pod);
                    if (!Wait) WriteObject(pod);
                },
                (spec, error) =>
                {
                    failed.Add(spec.Name);
                    WritePodError(error, spec.Name, spec.Name);
                });
            }
            catch (PipelineStoppedException)
            {
                // Ctrl+C: the pipeline takes no more output, but the user must learn which pods may exist.
                var unknown = plan.Specs.Select(s => s.Name).Where(n => !failed.Contains(n) && created.All(p => p.Name != n)).ToList();
                var made = created.Select(p => p.Name).ToList();
                Host.UI.WriteWarningLine($"New-ArenaPod was stopped. Created: {(made.Count == 0 ? "none" : string.Join(", ", made))}." +
                    (unknown.Count == 0 ? "" : $" Sent, answer not awaited, so they may still appear: {string.Join(", ", unknown)}. A new New-ArenaPod leaves these names alone for {CreateJournal.MaxAge.TotalMinutes:0} minutes; Get-ArenaPod shows what exists."));
                throw;
            }
            // The pods exist (or failed): waiting for them to boot needs no lock.
            fleetLock.Dispose();
            if (Wait) WaitArenaPodCommand.WaitForPods(this, created, TimeSpan.FromSeconds(TimeoutSec), TimeSpan.FromSeconds(5));
            WriteSummary(plan.Summary(created, failed), failed.Count > 0 || plan.Names.Errors.Count > 0);
        }
    }
}
