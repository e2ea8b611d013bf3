using System.Linq;
using System.Management.Automation;
using ArenaInfra.Access;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Health;
using ArenaInfra.Operations;
using ArenaInfra.Ssh;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsDiagnostic.Test, "ArenaPod", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPodTestResult))]
    [OutputType(typeof(bool))]
    [OutputType(typeof(ArenaRosterAccessResult))]
    public sealed class TestArenaPodCommand : SshFleetCmdlet
    {
        [PSDefaultValue(Help = "the GPU check in the config's CondaEnvName")]
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Command { get; set; }

        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; } = 120;

        [Parameter]
        public SwitchParameter Quiet { get; set; }

        [Parameter]
        public SwitchParameter Deep { get; set; }

        [PSDefaultValue(Help = "DeepCheckBudgetSec from the config (150)")]
        [Parameter]
        [ValidateRange(10, 3600)]
        public int BudgetSec { get; set; }

        [Parameter]
        public SwitchParameter AsRoster { get; set; }

        [PSDefaultValue(Help = "RosterPath from the config")]
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? RosterPath { get; set; }

        protected override PodDefault WhenNothingChosen => PodDefault.Fleet;

        protected override void EndProcessing()
        {
            if (Deep && (Command != null || AsRoster))
            {
                ThrowArenaError(new ArenaException(ArenaErrorIds.InvalidArgument, ErrorCategory.InvalidArgument,
                    "-Deep runs the deep check; it takes neither -Command nor -AsRoster.", "Test-ArenaPod -Deep, or Test-ArenaPod -Command '...'."));
            }
            if (AsRoster)
            {
                TestAsRoster();
                return;
            }
            PodOperation<ArenaPodTestResult> operation = Deep ? DeepCheck() : new PodTestOperation(Command, EffectiveConfig.CondaEnvName) { Timeout = System.TimeSpan.FromSeconds(TimeoutSec) };
            var results = RunOperation(ChosenPods(), operation, result => { if (!Quiet) WriteObject(result); }, "passed",
                all => ArenaPodTestSummary.Of(all));
            if (Quiet) WriteObject(results.Count > 0 && results.All(r => r.Passed));
        }

        private DeepCheckOperation DeepCheck()
        {
            var options = DeepCheckOptions.From(EffectiveConfig);
            if (BudgetSec > 0) options.Budget = System.TimeSpan.FromSeconds(BudgetSec);
            return new DeepCheckOperation(options);
        }

        /// <summary>Every participant's own key against every chosen pod: their machine must let them in, every other must refuse them.</summary>
        private void TestAsRoster()
        {
            var pods = ChosenPods();
            if (pods.Count == 0) return;
            var probe = new RosterProbe(LoadRoster(RosterPath), Command, EffectiveConfig.CondaEnvName, System.TimeSpan.FromSeconds(TimeoutSec), Log);
            var route = Route();
            // One record of the pods' host keys for every participant's connections: read once, not once a participant.
            HostKeyStore hostKeys;
            try
            {
                hostKeys = HostKeyStore.Open();
            }
            catch (ArenaException e)
            {
                throw Terminating(e);
            }
            var report = probe.Run(pods, (key, operation) =>
            {
                var settings = OpenSettings(key.PrivateKeyPath, hostKeys);
                try
                {
                    return RunOperation(pods, operation, route, settings, _ => { });
                }
                finally
                {
                    Release(settings);
                }
            }, WriteObject, CancellationToken);
            WriteSummary(report.ToString(), report.Holes.Count > 0 || report.Unknown.Count > 0);
        }
    }
}
