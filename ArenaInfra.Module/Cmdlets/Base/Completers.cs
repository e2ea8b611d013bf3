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
    /// Completes the pods a command acts on (-Name, -ExcludeName): the pods of the last listing (at most
    /// ten minutes old) and their machine names, never a machine that has no pod. Before any listing
    /// the config's MachineNames are all it can offer. It never calls RunPod, so a keystroke never waits on the network.
    /// </summary>
    public sealed class PodNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) => PodNameCompletion.Complete(wordToComplete, forNewPods: false);
    }

    /// <summary>Completes the machines a new pod may be made for (New-ArenaPod, Deploy-ArenaPod): configured machine names without a pod in the last listing.</summary>
    public sealed class FreeMachineNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) => PodNameCompletion.Complete(wordToComplete, forNewPods: true);
    }

    internal static class PodNameCompletion
    {
        public static IEnumerable<CompletionResult> Complete(string? wordToComplete, bool forNewPods)
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
            var pods = PodNameCache.TryRecent(out var listed) ? listed : null;
            var word = (wordToComplete ?? "").Trim('\'', '"');
            return Candidates(machines, pods, new FleetNaming(prefix), word, forNewPods)
                .Select(c => new CompletionResult(c.Text, c.Text, CompletionResultType.ParameterValue, c.Tip)).ToList();
        }

        /// <param name="pods">The last listing's pod names; null when there is no recent listing.</param>
        internal static IEnumerable<(string Text, string Tip)> Candidates(IReadOnlyList<string> machines, IReadOnlyList<string>? pods, FleetNaming naming, string word, bool forNewPods)
        {
            const string Unlisted = "machine name (no recent listing: Get-ArenaPod shows which have pods)";
            IEnumerable<(string Text, string Tip)> candidates =
                forNewPods ? machines.Where(m => pods == null || !pods.Contains(naming.PodName(m))).Select(m => (m, pods == null ? Unlisted : "machine name (no pod yet)"))
                : pods == null ? machines.Select(m => (m, Unlisted))
                : pods.Select(n => (n, "pod")).Concat(machines.Where(m => pods.Contains(naming.PodName(m))).Select(m => (m, $"machine name of {naming.PodName(m)}")));
            return candidates
                .Where(c => c.Item1.StartsWith(word, StringComparison.OrdinalIgnoreCase))
                .GroupBy(c => c.Item1, StringComparer.OrdinalIgnoreCase)
                .Select(g => g.First())
                .OrderBy(c => c.Item1, StringComparer.OrdinalIgnoreCase)
                .ToList();
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
