using System;
using System.Collections.Generic;
using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;
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
            if (PodCreationRequest.VolumeRefusal(VolumeSizeGB) is ArenaException refused) ThrowArenaError(refused);
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
            // One creator at a time on this machine: the names are judged against a list read after
            // the lock is taken, so a run that waited sees the pods the one before it bought.
            using var fleetLock = TakeFleetLock("created");
            var host = new CmdletBatchHost(this, Force);
            var batch = new PodCreationBatch(Api, EffectiveConfig, CreateJournal.Open(), host);
            var outcome = host.EndsCommand(() => batch.Create(request, ThrottleLimit, pod => { if (!Wait) WriteObject(pod); }), batch.Stopped);
            if (outcome == null) return;
            // The pods exist (or failed): waiting for them to boot needs no lock.
            fleetLock.Dispose();
            if (Wait) WaitArenaPodCommand.WaitForPods(this, outcome.Created, TimeSpan.FromSeconds(TimeoutSec), TimeSpan.FromSeconds(5));
            WriteSummary(outcome.Summary, outcome.AnyFailed);
        }
    }
}
