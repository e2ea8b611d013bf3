using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Operations;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsLifecycle.Invoke, "ArenaPodCommand", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaCommandResult))]
    public sealed class InvokeArenaPodCommandCommand : SshFleetCmdlet
    {
        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        public string? Command { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ScriptFile { get; set; }

        [Parameter]
        [ValidateRange(1, 86400)]
        public int TimeoutSec { get; set; } = 300;

        [Parameter]
        public SwitchParameter Sequential { get; set; }

        protected override PodDefault WhenNothingChosen => PodDefault.Refuse;

        protected override void BeginProcessing()
        {
            if ((Command == null) == (ScriptFile == null))
            {
                ThrowArenaError(new ArenaException(ArenaErrorIds.InvalidArgument, ErrorCategory.InvalidArgument,
                    "Give either -Command or -ScriptFile.", "Invoke-ArenaPodCommand -Name * -Command 'nvidia-smi', or -ScriptFile ./setup.sh."));
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
                script = PodCommandOperation.ScriptBytes(File.ReadAllText(path));
            }
            var pods = ChosenPods();
            if (pods.Count == 0) return;
            var what = $"Run {(Command != null ? $"'{Command}'" : $"the script {ScriptFile}")} on {Describe(pods)}";
            // A command may change anything, but asking before every 'nvidia-smi' helps nobody: it asks
            // with -Confirm, or when $ConfirmPreference is Medium or lower, as Invoke-Command would not at all.
            if (!ConfirmBatch(what, what + "?", "Run a command on pods", force: false, askUnlessForced: false)) return;
            var operation = new PodCommandOperation(Command, script) { Timeout = TimeSpan.FromSeconds(TimeoutSec) };
            if (Sequential) ThrottleLimit = 1;
            RunOperation(pods, operation, WriteObject, "ran the command with exit code 0");
        }
    }
}
