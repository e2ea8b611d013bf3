using System;
using System.Collections.Generic;
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
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Command { get; set; }

        /// <summary>How long the check may run on each pod.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; } = 120;

        /// <summary>Return only $true when every pod passed, else $false.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        protected override void EndProcessing()
        {
            var pods = ChosenPods();
            var settings = OpenSettings();
            var results = new List<ArenaPodTestResult>();
            var inputErrors = 0;

            void Emit(ArenaPodTestResult result)
            {
                results.Add(result);
                if (!Quiet) WriteObject(result);
            }

            var targets = Targets(pods,
                pod => Emit(new ArenaPodTestResult
                {
                    Name = pod.Name,
                    MachineName = pod.MachineName,
                    PodId = pod.Id,
                    Stage = ArenaTestStage.NotRunning,
                    Error = $"the pod is {pod.Status}{(pod.Status == ArenaPodStatus.Starting ? " (no public SSH port yet)" : "")}",
                }),
                pod =>
                {
                    inputErrors++;
                    WriteArenaError(NoEndpoint(pod), pod);
                });

            var condaEnv = EffectiveConfig.CondaEnvName;
            RunFleet(settings, targets, EffectiveThrottle, "Testing pods",
                (target, token) => PodTester.Test(target, settings, Command, condaEnv, TimeSpan.FromSeconds(TimeoutSec), token),
                (target, result) =>
                {
                    WriteVerbose($"{result.Name}: {(result.Passed ? "passed" : $"failed at {result.Stage}")} in {result.Duration.TotalSeconds:0.00} s.");
                    Emit(result);
                });

            var summary = new ArenaPodTestSummary
            {
                Total = results.Count,
                Passed = results.Count(r => r.Passed),
                NotRunning = results.Where(r => r.Stage == ArenaTestStage.NotRunning).Select(r => r.Name).ToArray(),
                ConnectionFailures = results.Where(r => r.Stage == ArenaTestStage.Connect || r.Stage == ArenaTestStage.HostKey || r.Stage == ArenaTestStage.Authenticate).Select(r => r.Name).ToArray(),
                CommandFailures = results.Where(r => r.Stage == ArenaTestStage.Command).Select(r => r.Name).ToArray(),
            };
            WriteInformation(new InformationRecord(summary, MyInvocation.MyCommand.Name) { Tags = { "ArenaInfra", "Summary" } });
            WriteVerbose(summary.ToString());
            if (Quiet) WriteObject(inputErrors == 0 && results.Count > 0 && results.All(r => r.Passed));
        }
    }
}
