using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security;
using System.Text.RegularExpressions;
using ArenaInfra.Config;
using ArenaInfra.Ssh;

namespace ArenaInfra.Commands
{
    [Cmdlet(VerbsCommon.Set, "ArenaPodSecret", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ValueSet)]
    [OutputType(typeof(ArenaPodSecretResult))]
    public sealed class SetArenaPodSecretCommand : SshFleetCmdlet
    {
        private const string ValueSet = "Value";
        private const string CsvSet = "Csv";

        /// <summary>The environment variable to set, such as OPENAI_API_KEY.</summary>
        [Parameter(Mandatory = true)]
        [ValidatePattern("^[A-Za-z_][A-Za-z0-9_]*$")]
        public string VariableName { get; set; } = "";

        /// <summary>The value for every pod.</summary>
        [Parameter(ParameterSetName = ValueSet, Mandatory = true)]
        public SecureString? Value { get; set; }

        /// <summary>A CSV of 'host,key' rows: a value a pod, matched by pod or machine name.</summary>
        [Parameter(ParameterSetName = CsvSet, Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string? CsvPath { get; set; }

        /// <summary>Which pods, for -Value; with -CsvPath the rows choose them.</summary>
        [Parameter]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PodNameCompleter))]
        public string[]? PodName { get; set; }

        [Parameter]
        [ValidateRange(1, 600)]
        public int TimeoutSec { get; set; } = 60;

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void EndProcessing()
        {
            var pods = ChosenPods();
            if (PodName != null)
            {
                var patterns = PodName.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
                pods = pods.Where(p => patterns.Any(w => RunPod.PodSelection.Matches(w, p))).ToList();
            }
            var values = ParameterSetName == CsvSet ? FromCsv(pods) : pods.ToDictionary(p => p.Id, _ => Secrets.ToPlainText(Value!));
            var chosen = pods.Where(p => values.ContainsKey(p.Id)).ToList();
            var targets = ReachableTargets(chosen);
            if (targets.Count == 0) return;
            if (!ConfirmBatch($"Set {VariableName} on {targets.Count} pod(s): {string.Join(", ", targets.Select(t => t.Pod.Name))}", $"Set {VariableName} on these pods?", "Set a secret", Force, ConfirmImpact.Medium)) return;

            var settings = OpenSettings();
            RunFleet(settings, targets, EffectiveThrottle, $"Setting {VariableName}",
                (target, token) => PodSession.Run<ArenaPodSecretResult>(target, settings, TimeSpan.FromSeconds(TimeoutSec), token,
                    pod => PodSecrets.Set(pod, new[] { (VariableName, values[target.Pod.Id]) }, (ArenaPodSecretResult)pod.Result)),
                (target, result) => EmitResult(result));
        }

        private Dictionary<string, string> FromCsv(IReadOnlyList<ArenaPod> pods)
        {
            var path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(CsvPath);
            if (!File.Exists(path))
            {
                ThrowArenaError(new ArenaException(ArenaErrorIds.CsvFileNotFound, ErrorCategory.ObjectNotFound, $"The file '{path}' does not exist.", "Check -CsvPath."), CsvPath);
            }
            var problems = new List<string>();
            var rows = SecretCsv.Read(path, problems);
            foreach (var problem in problems) WriteWarning(problem);
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (host, value, line) in rows)
            {
                var pod = pods.FirstOrDefault(p => string.Equals(p.Name, host, StringComparison.OrdinalIgnoreCase) || string.Equals(p.MachineName, host, StringComparison.OrdinalIgnoreCase));
                if (pod == null) WriteWarning($"{path} line {line}: '{host}' matches no pod; the row is skipped.");
                else values[pod.Id] = value;
            }
            return values;
        }
    }
}
