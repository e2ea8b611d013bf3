using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using ArenaInfra.Config;
using ArenaInfra.Pods;

namespace ArenaInfra.Cmdlets.Base
{
    /// <summary>
    /// Completes pod and machine names: the config's MachineNames and the pods of the last listing
    /// (at most ten minutes old). It never calls RunPod, so a keystroke never waits on the network.
    /// </summary>
    public sealed class PodNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var prefix = "arena";
            var machines = Array.Empty<string>();
            try
            {
                var config = ConfigResolver.ForProcess().Resolve(null, SessionConfigStore.Get((object?)System.Management.Automation.Runspaces.Runspace.DefaultRunspace ?? typeof(ArenaCmdlet)), null, new List<string>());
                prefix = config.Prefix;
                machines = config.MachineNames;
            }
            catch (ArenaException)
            {
                // A broken config is reported by the command itself, not while typing.
            }
            var pods = PodNameCache.Recent();
            var word = (wordToComplete ?? "").Trim('\'', '"');
            var naming = new FleetNaming(prefix);
            var candidates = pods.Select(n => (Text: n, Tip: "pod"))
                .Concat(machines.Select(m => (Text: m, Tip: pods.Contains(naming.PodName(m)) ? $"machine name of {naming.PodName(m)}" : "machine name (no pod yet)")))
                .Where(c => c.Text.StartsWith(word, StringComparison.OrdinalIgnoreCase))
                .GroupBy(c => c.Text, StringComparer.OrdinalIgnoreCase)
                .Select(g => g.First())
                .OrderBy(c => c.Text, StringComparer.OrdinalIgnoreCase);
            foreach (var (text, tip) in candidates) yield return new CompletionResult(text, text, CompletionResultType.ParameterValue, tip);
        }
    }

    /// <summary>Completes RunPod GPU type ids that teaching fleets use.</summary>
    public sealed class GpuTypeCompleter : IArgumentCompleter
    {
        internal static readonly string[] Common =
        {
            "NVIDIA RTX A4000", "NVIDIA RTX A4500", "NVIDIA RTX A5000", "NVIDIA RTX A6000", "NVIDIA A40", "NVIDIA L4", "NVIDIA L40S",
            "NVIDIA GeForce RTX 3090", "NVIDIA GeForce RTX 4090", "NVIDIA A100 80GB PCIe", "NVIDIA A100-SXM4-80GB", "NVIDIA H100 80GB HBM3",
        };

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var word = (wordToComplete ?? "").Trim('\'', '"');
            return Common.Where(g => g.StartsWith(word, StringComparison.OrdinalIgnoreCase) || g.Replace("NVIDIA ", "").StartsWith(word, StringComparison.OrdinalIgnoreCase))
                .Select(g => new CompletionResult("'" + g + "'", g, CompletionResultType.ParameterValue, g));
        }
    }
}
