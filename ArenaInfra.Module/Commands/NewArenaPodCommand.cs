using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.Config;
using ArenaInfra.RunPod;
using ArenaInfra.Ssh;

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

        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(GpuTypeCompleter))]
        public string? GpuType { get; set; }

        [Parameter]
        [ValidateRange(1, 16)]
        public int? GpuCount { get; set; }

        [Parameter]
        [ValidateSet("COMMUNITY", "SECURE", "ALL", IgnoreCase = true)]
        public string? CloudType { get; set; }

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

        protected override void EndProcessing()
        {
            var config = EffectiveConfig;
            string publicKey;
            try
            {
                // Before anything else: a pod nobody can log into is money wasted.
                publicKey = PublicKeyReader.Read(config.SharedKeyPath, Log);
            }
            catch (ArenaException e)
            {
                ThrowArenaError(e);
                throw;
            }
            DrainLog();

            var existing = CallRunPod((api, token) => api.ListPodsAsync(token));
            var existingNames = new HashSet<string>(existing.Where(p => p.Status != ArenaPodStatus.Terminated).Select(p => p.Name), StringComparer.Ordinal);
            PodNamePlan plan;
            try
            {
                plan = ParameterSetName switch
                {
                    CountSet => PodNamePlanner.FirstOfList(config, Count, existingNames),
                    AddSet => PodNamePlanner.NextUnused(config, Add, existingNames),
                    _ => PodNamePlanner.Named(config, _names, existingNames),
                };
            }
            catch (ArenaException e)
            {
                ThrowArenaError(e);
                throw;
            }
            foreach (var warning in plan.Warnings) WriteWarning(warning);
            foreach (var name in plan.Existing) WriteWarning($"{name} exists already; it is not created again.");
            foreach (var (error, name) in plan.Errors) WriteArenaError(error, name);

            var summary = new ArenaPodCreationSummary { Requested = plan.ToCreate.Count + plan.Existing.Count, Skipped = plan.Existing.ToArray() };
            if (plan.ToCreate.Count == 0)
            {
                Summarize(summary);
                return;
            }

            var specs = plan.ToCreate.Select(p => Spec(config, p, publicKey)).ToList();
            var first = specs[0];
            var price = PricePerHour(first);
            var cost = price == null
                ? "RunPod gave no price, so the cost is not known"
                : string.Format(CultureInfo.InvariantCulture, "about {0:0.00} USD/hour in all ({1:0.000} per pod)", price.Value * specs.Count, price.Value);
            var what = $"Create {specs.Count} pod{(specs.Count == 1 ? "" : "s")} with {first.GpuCount} x {first.GpuTypeId} ({first.CloudType}), {cost}: {string.Join(", ", specs.Select(s => s.Name))}";
            if (!ConfirmBatch(what, what + "?", "Create pods", Force, ConfirmImpact.High))
            {
                return;
            }

            var creator = new PodCreator(Api, Log);
            var created = new List<ArenaPod>();
            var failed = new List<string>();
            RunEach(specs, ThrottleLimit, "Creating pods",
                (spec, token) => creator.CreateAsync(spec, token),
                (spec, pod) =>
                {
                    WriteVerbose($"{pod.Name} created ({pod.Id}).");
                    created.Add(pod);
                    if (!Wait) WriteObject(pod);
                },
                (spec, error) =>
                {
                    failed.Add(spec.Name);
                    WriteArenaError(error, spec.Name);
                });

            summary.Created = created.Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray();
            summary.Failed = failed.OrderBy(n => n, StringComparer.Ordinal).ToArray();
            summary.EstimatedCostPerHour = price * created.Count;
            if (Wait)
            {
                WaitArenaPodCommand.WaitForPods(this, created, TimeSpan.FromSeconds(TimeoutSec), TimeSpan.FromSeconds(5));
            }
            Summarize(summary);
        }

        private PodCreateSpec Spec(ArenaConfig config, PlannedPod planned, string publicKey) => new PodCreateSpec
        {
            Name = planned.PodName,
            MachineName = planned.MachineName,
            ImageName = Image ?? config.Image,
            GpuTypeId = GpuType ?? config.GpuType,
            GpuCount = GpuCount ?? config.GpuCount,
            CloudType = (CloudType ?? config.CloudType).ToUpperInvariant(),
            ContainerDiskInGb = DiskSizeGB ?? config.DiskSizeGB,
            VolumeInGb = VolumeSizeGB ?? config.VolumeSizeGB,
            PublicKey = publicKey,
        };

        /// <summary>The price of one pod an hour, or null: a missing price never stops a create.</summary>
        private decimal? PricePerHour(PodCreateSpec spec)
        {
            try
            {
                var perGpu = Run(token => Api.GetGpuPriceAsync(spec.GpuTypeId, spec.CloudType, token));
                return perGpu * spec.GpuCount;
            }
            catch (ArenaException e)
            {
                WriteVerbose($"No price for {spec.GpuTypeId}: {e.Message}");
                return null;
            }
        }

        private void Summarize(ArenaPodCreationSummary summary)
        {
            WriteInformation(new InformationRecord(summary, MyInvocation.MyCommand.Name) { Tags = { "ArenaInfra", "Summary" } });
            WriteVerbose(summary.ToString());
        }
    }
}
