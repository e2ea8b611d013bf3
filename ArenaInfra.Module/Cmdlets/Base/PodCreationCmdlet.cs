using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.Pods.Create;
using ArenaInfra.Repair;

namespace ArenaInfra.Cmdlets.Base
{
    /// <summary>
    /// A command that creates pods as New-ArenaPod does: -Count, -Add or -Name (from the pipeline too),
    /// and what a create may change from the config, turned into one PodCreationRequest.
    /// </summary>
    public abstract class PodCreationCmdlet : ArenaApiCmdlet
    {
        protected const string CountSet = "Count";
        protected const string AddSet = "Add";
        protected const string NameSet = "Name";

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
        [ArgumentCompleter(typeof(FreeMachineNameCompleter))]
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

        protected override void BeginProcessing()
        {
            if (PodCreationRequest.VolumeRefusal(VolumeSizeGB) is ArenaException refused) ThrowArenaError(refused);
        }

        protected override void ProcessRecord()
        {
            if (Name != null) _names.AddRange(Name);
        }

        /// <summary>An empty pipeline asks for no names: nothing is to be done.</summary>
        protected bool NothingAsked => ParameterSetName == NameSet && _names.Count == 0;

        /// <summary>The pods asked for, as the planner takes them.</summary>
        internal PodCreationRequest Request() => new PodCreationRequest
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

        /// <summary>-Secrets as a batch takes them: a SecureString as it is, a string as the path of a CSV, resolved as the user meant it.</summary>
        internal IReadOnlyList<(string Variable, object? Value)>? SecretsOf(Hashtable? secrets) =>
            secrets?.Cast<DictionaryEntry>().Select(pair =>
            {
                var value = pair.Value is PSObject wrapped ? wrapped.BaseObject : pair.Value;
                return (pair.Key?.ToString() ?? "", value is string path ? new RepairSecrets.CsvFile(SessionState.Path.GetUnresolvedProviderPathFromPSPath(path)) : (object?)value);
            }).ToList();
    }
}
