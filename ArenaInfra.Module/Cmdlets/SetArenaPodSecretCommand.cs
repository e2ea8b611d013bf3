using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Common;
using ArenaInfra.Config;
using ArenaInfra.Operations;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsCommon.Set, "ArenaPodSecret", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPodSecretResult))]
    public sealed class SetArenaPodSecretCommand : SshFleetCmdlet
    {
        [Parameter(Mandatory = true)]
        [ValidatePattern("^[A-Za-z_][A-Za-z0-9_]*$")]
        public string VariableName { get; set; } = "";

        [Parameter]
        public SecureString? Value { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? CsvPath { get; set; }

        [Parameter]
        [ValidateRange(1, 600)]
        public int TimeoutSec { get; set; } = 60;

        [Parameter]
        public SwitchParameter Force { get; set; }

        // A CSV names its pods itself, so with one the fleet is where its rows are looked for.
        protected override PodDefault WhenNothingChosen => CsvPath != null ? PodDefault.Fleet : PodDefault.Refuse;

        protected override void BeginProcessing()
        {
            if ((Value == null) == (CsvPath == null))
            {
                ThrowArenaError(new ArenaException(ArenaErrorIds.InvalidArgument, ErrorCategory.InvalidArgument,
                    "Give either -Value (one value for every chosen pod) or -CsvPath (a value a pod).",
                    "Set-ArenaPodSecret -Name * -VariableName OPENAI_API_KEY -Value (Read-Host -AsSecureString), or -CsvPath ./keys.csv."));
            }
        }

        protected override void EndProcessing()
        {
            var pods = ChosenPods();
            if (pods.Count == 0) return;
            var values = CsvPath != null ? FromCsv(pods) : pods.ToDictionary(p => p.Id, _ => Secrets.ToPlainText(Value!));
            // One line a variable: a value with a line break would be cut (and reported as set) or add lines of its own.
            if (values.Values.Any(v => v.IndexOfAny(new[] { '\n', '\r', '\0' }) >= 0))
            {
                ThrowArenaError(new ArenaException(ArenaErrorIds.InvalidArgument, ErrorCategory.InvalidData,
                    $"A value for {VariableName} holds a line break or a NUL character; nothing was set on any pod.",
                    "Give the value on one line (an API key never has a line break)."));
            }
            var chosen = pods.Where(p => values.ContainsKey(p.Id)).ToList();
            if (chosen.Count == 0) return;
            var what = $"Set {VariableName} on {Describe(chosen)}";
            if (!ConfirmBatch(what, what + "?", "Set a secret", Force)) return;
            var operation = new PodSecretOperation(pod => new[] { (VariableName, values[pod.Id]) }) { Timeout = TimeSpan.FromSeconds(TimeoutSec) };
            RunOperation(chosen, operation, WriteObject, $"have {VariableName} set");
        }

        private Dictionary<string, string> FromCsv(IReadOnlyList<ArenaPod> pods)
        {
            var path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(CsvPath);
            if (!File.Exists(path))
            {
                ThrowArenaError(new ArenaException(ArenaErrorIds.CsvFileNotFound, ErrorCategory.ObjectNotFound, $"The file '{path}' does not exist.", "Check -CsvPath."), CsvPath);
            }
            var warnings = new List<string>();
            Dictionary<string, string> values;
            try
            {
                values = SecretCsv.ValuesByPodId(path, pods, warnings);
            }
            catch (ArenaException e)
            {
                throw Terminating(e, CsvPath);
            }
            foreach (var warning in warnings) WriteWarning(warning);
            return values;
        }
    }
}
