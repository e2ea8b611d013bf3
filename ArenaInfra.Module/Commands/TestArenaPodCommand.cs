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
        /// <summary>A shell command to run instead of the GPU check; it passes on exit code 0.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Command { get; set; }

        /// <summary>How long the check may run on each pod.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; } = 120;

        /// <summary>Return only $true when every pod passed, else $false.</summary>
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
