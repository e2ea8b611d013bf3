using System.Linq;
using System.Management.Automation;
using ArenaInfra.Ssh;

namespace ArenaInfra.Commands
{
    [Cmdlet(VerbsDiagnostic.Test, "ArenaPod", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPodTestResult))]
    [OutputType(typeof(bool))]
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

        protected override PodDefault WhenNothingChosen => PodDefault.Fleet;

        protected override void EndProcessing()
        {
            var operation = new PodTestOperation(Command, EffectiveConfig.CondaEnvName) { Timeout = System.TimeSpan.FromSeconds(TimeoutSec) };
            var results = RunOperation(ChosenPods(), operation, result => { if (!Quiet) WriteObject(result); }, "passed",
                all => ArenaPodTestSummary.Of(all));
            if (Quiet) WriteObject(results.Count > 0 && results.All(r => r.Passed));
        }
    }
}
