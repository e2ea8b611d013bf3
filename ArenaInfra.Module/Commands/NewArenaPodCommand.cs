using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.RunPod;

namespace ArenaInfra.Commands
{
    [Cmdlet(VerbsCommon.New, "ArenaPod", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPod))]
    public sealed class NewArenaPodCommand : ArenaApiCmdlet
    {
        private const string CountSet = "Count";
        private const string AddSet = "Add";
        private const string NameSet = "Name";

        private readonly List<string> _names = new List<string>();

        /// <summary>Make sure the first N names of MachineNames have pods.</summary>
        [Parameter(ParameterSetName = CountSet, Mandatory = true)]
        [ValidateRange(1, 1000)]
        public int Count { get; set; }

        /// <summary>Create N more pods, with the next names no pod uses yet.</summary>
        [Parameter(ParameterSetName = AddSet, Mandatory = true)]
        [ValidateRange(1, 1000)]
        public int Add { get; set; }

        /// <summary>Machine names or full pod names.</summary>
        [Parameter(ParameterSetName = NameSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("MachineName")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PodNameCompleter))]
        public string[]? Name { get; set; }

        /// <summary>The GPU type, or several in order of preference: each pod gets the first that has capacity.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(GpuTypeCompleter))]
        public string[]? GpuType { get; set; }

        [Parameter]
        [ValidateRange(1, 16)]
        public int? GpuCount { get; set; }

        /// <summary>The cloud, or several in order (ALL is COMMUNITY, then SECURE).</summary>
        [Parameter]
        [ValidateSet("COMMUNITY", "SECURE", "ALL", IgnoreCase = true)]
        public string[]? CloudType { get; set; }

        /// <summary>No pod on a GPU type and cloud that costs more than this an hour (USD, for the pod's GPUs together).</summary>
        [Parameter]
        [ValidateRange(0.001, 10000)]
        public decimal? MaxCostPerHour { get; set; }

        /// <summary>Keep trying pods refused for lack of capacity, with a growing pause, for this long (such as 00:30:00).</summary>
        [Parameter]
        public TimeSpan? WaitForCapacity { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Image { get; set; }

        [Parameter]
        [ValidateRange(1, 10000)]
        public int? DiskSizeGB { get; set; }

        [Parameter]
        [ValidateRange(0, 10000)]
        public int? VolumeSizeGB { get; set; }

        /// <summary>Creates in flight at once; RunPod's rate limit is kept to as well (ApiRequestsPerSecond).</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = 10;

        /// <summary>Emit each pod only once it is ready (public SSH port accepting connections).</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>With -Wait: how long to wait for the pods to be ready.</summary>
        [Parameter]
        [ValidateRange(1, 86400)]
        public int TimeoutSec { get; set; } = 900;

        /// <summary>Create without asking for confirmation.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            if (Name != null) _names.AddRange(Name);
        }

        protected override void BeginProcessing()
        {
            if (VolumeSizeGB is int volume && volume > 0 && volume < ArenaInfra.Config.ConfigValueConverter.MinimumVolumeGB)
            {
                ThrowArenaError(new ArenaException(ArenaErrorIds.InvalidArgument, ErrorCategory.InvalidArgument,
                    $"-VolumeSizeGB {volume} is below RunPod's smallest volume of {ArenaInfra.Config.ConfigValueConverter.MinimumVolumeGB} GB; nothing was created.",
                    $"Give 0 for no volume, or at least {ArenaInfra.Config.ConfigValueConverter.MinimumVolumeGB}."));
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
            var journal = CreateJournal.Open();
            var plan = CallRunPodRaw(token => PodCreationPlanner.PlanAsync(Api, config, request, Log, token, journal));
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
            if (Wait) WaitArenaPodCommand.WaitForPods(this, created, TimeSpan.FromSeconds(TimeoutSec), TimeSpan.FromSeconds(5));
            WriteSummary(plan.Summary(created, failed), failed.Count > 0 || plan.Names.Errors.Count > 0);
        }
    }
}
