using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Repair;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsDiagnostic.Repair, "ArenaPod", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPodRepairResult))]
    public sealed class RepairArenaPodCommand : SshFleetCmdlet
    {
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? BackupSource { get; set; }

        [PSDefaultValue(Help = "the newest backup that finished")]
        [Parameter]
        [ValidatePattern("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
        public string? BackupLabel { get; set; }

        [Parameter]
        [ValidatePattern("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
        public string? FromBranch { get; set; }

        [Parameter]
        public Hashtable? Secrets { get; set; }

        [Parameter]
        [ValidateSet("CopyKey", "SshConfig", "Git", "Workspace", "Name", "VsCode", IgnoreCase = true)]
        public string[]? SkipSetup { get; set; }

        [PSDefaultValue(Help = "Test-ArenaPod's GPU check")]
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? TestCommand { get; set; }

        [PSDefaultValue(Help = "~/.ssh/id_ed25519, id_ecdsa or id_rsa")]
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ProxyKeyPath { get; set; }

        [Parameter]
        [ValidateRange(1, 86400)]
        public int ReadyTimeoutSec { get; set; } = 900;

        [Parameter]
        [ValidateRange(1, 86400)]
        public int TimeoutSec { get; set; } = 1800;

        [PSDefaultValue(Help = "None (no cap)")]
        [Parameter]
        [ValidateRange(0.001, 10000)]
        public decimal? MaxCostPerHour { get; set; }

        [Parameter]
        public SwitchParameter NoPublish { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override PodDefault WhenNothingChosen => PodDefault.Refuse;

        private RepairJournal? _journal;
        private RepairJournal Journal => _journal ??= RepairJournal.Open();

        /// <summary>A name whose pod is gone because an earlier run terminated it is carried on, not an error.</summary>
        protected override bool ExpectMissing(string nameOrId) => Journal.Get(PodName(nameOrId)) != null;

        private string PodName(string name)
        {
            var naming = new Config.FleetNaming(EffectiveConfig.Prefix);
            return naming.MachineNameOf(name) != null ? name : naming.PodName(name);
        }

        protected override void EndProcessing()
        {
            // A replacement terminates and creates: it holds the fleet lock from before the pods are
            // chosen (a fresh list) until it is done, so no other run creates under the same names meanwhile.
            using var fleetLock = TakeFleetLock("replaced");
            var pods = ChosenPods();
            var host = new CmdletRepairHost(this, Force, () => OpenSettings(), Release, Route, () => LoadRoster(null));
            var options = Options(SessionState.Path.GetUnresolvedProviderPathFromPSPath);
            var outcome = host.EndsCommand(() => new RepairBatch(Api, EffectiveConfig, options, Journal, host).Run(pods, ExpectedMissing.Select(PodName)));
            if (outcome == null) return;
            foreach (var result in outcome.Results) WriteObject(result);
            WriteSummary(outcome.Summary, outcome.AnyFailed);
        }

        /// <summary>This command's parameters as a batch takes them, paths resolved as the user meant them.</summary>
        internal RepairOptions Options(Func<string, string> resolvePath) => new RepairOptions
        {
            BackupRoot = BackupSource == null ? null : resolvePath(BackupSource),
            BackupLabel = BackupLabel,
            FromBranch = FromBranch,
            Secrets = Secrets?.Cast<DictionaryEntry>().Select(pair =>
            {
                var value = pair.Value is PSObject wrapped ? wrapped.BaseObject : pair.Value;
                return (pair.Key?.ToString() ?? "", value is string path ? new RepairSecrets.CsvFile(resolvePath(path)) : (object?)value);
            }).ToList(),
            SkipSetup = new HashSet<string>(SkipSetup ?? Array.Empty<string>(), StringComparer.OrdinalIgnoreCase),
            TestCommand = TestCommand,
            ProxyKeyPath = ProxyKeyPath == null ? null : resolvePath(ProxyKeyPath),
            ReadyTimeout = TimeSpan.FromSeconds(ReadyTimeoutSec),
            StepTimeout = TimeSpan.FromSeconds(TimeoutSec),
            MaxCostPerHour = MaxCostPerHour,
            NoPublish = NoPublish,
            ThrottleLimit = ThrottleLimit,
            KeyPassphrase = KeyPassphrase,
            HostKeyPolicy = HostKeyPolicy,
        };
    }
}
