using System;
using System.IO;
using System.Management.Automation;
using ArenaInfra.Ssh;

namespace ArenaInfra.Commands
{
    [Cmdlet(VerbsLifecycle.Invoke, "ArenaPodCommand", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaCommandResult))]
    public sealed class InvokeArenaPodCommandCommand : SshFleetCmdlet
    {
        /// <summary>The shell command to run on every pod.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Command { get; set; }

        /// <summary>A local script, copied to each pod and run with bash there.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ScriptFile { get; set; }

        /// <summary>How long the command may run on each pod.</summary>
        [Parameter]
        [ValidateRange(1, 86400)]
        public int TimeoutSec { get; set; } = 300;

        /// <summary>One pod after another, for commands that must not overlap.</summary>
        [Parameter]
        public SwitchParameter Sequential { get; set; }

        protected override void BeginProcessing()
        {
            if ((Command == null) == (ScriptFile == null))
            {
                ThrowArenaError(new ArenaException(ArenaErrorIds.InvalidArgument, ErrorCategory.InvalidArgument,
                    "Give either -Command or -ScriptFile.", "Invoke-ArenaPodCommand -Command 'nvidia-smi', or -ScriptFile ./setup.sh."));
            }
        }

        protected override void EndProcessing()
        {
            byte[]? script = null;
            if (ScriptFile != null)
            {
                var path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(ScriptFile);
                if (!File.Exists(path))
                {
                    ThrowArenaError(new ArenaException(ArenaErrorIds.ScriptFileNotFound, ErrorCategory.ObjectNotFound, $"The script '{path}' does not exist.", "Check the path given to -ScriptFile."), ScriptFile);
                }
                script = PodCommandRunner.ScriptBytes(File.ReadAllText(path));
            }

            var pods = ChosenPods();
            var settings = OpenSettings();
            var targets = Targets(pods,
                pod => WriteArenaError(new ArenaException(ArenaErrorIds.PodNotRunning, ErrorCategory.ResourceUnavailable,
                    $"The pod '{pod.Name}' is {pod.Status}; the command was not run there.", "Start it (Start-ArenaPod) and wait for it (Wait-ArenaPod)."), pod),
                pod => WriteArenaError(NoEndpoint(pod), pod));

            RunFleet(settings, targets, Sequential ? 1 : EffectiveThrottle, "Running the command on pods",
                (target, token) => PodCommandRunner.Run(target, settings, Command, script, TimeSpan.FromSeconds(TimeoutSec), token),
                (target, outcome) =>
                {
                    if (outcome.Result != null)
                    {
                        WriteObject(outcome.Result);
                    }
                    else
                    {
                        var failure = outcome.Failure!;
                        WriteArenaError(new ArenaException(failure.ErrorId, failure.Stage == ArenaTestStage.Authenticate ? ErrorCategory.AuthenticationError
                            : failure.Stage == ArenaTestStage.HostKey ? ErrorCategory.SecurityError : ErrorCategory.ConnectionError,
                            failure.Message, "Test-ArenaPod shows what is wrong with each pod."), target.Pod);
                    }
                });
        }
    }
}
