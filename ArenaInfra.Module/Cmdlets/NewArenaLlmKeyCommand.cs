using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Llm;

namespace ArenaInfra.Cmdlets
{
    /// <summary>
    /// An OpenRouter key of its own for each chosen fleet machine, named &lt;prefix&gt;-&lt;machine&gt; with a
    /// spending limit, put on the pod as OPENROUTER_API_KEY. A machine that has its key is left alone.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "ArenaLlmKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaLlmKeyResult))]
    public sealed class NewArenaLlmKeyCommand : LlmKeyPlacementCmdlet
    {
        protected override void EndProcessing()
        {
            var pods = ChosenPods();
            if (pods.Count == 0) return;
            var results = new List<ArenaLlmKeyResult>();
            var ready = Placeable(pods, results);
            var limit = Limit;
            // A fleet with no pod that can take a key asks OpenRouter nothing.
            var existing = ready.Count == 0 ? new Dictionary<string, LlmKeyRecord>()
                : Run(token => LlmKeys.ListKeysAsync(token)).GroupBy(k => k.Name, System.StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), System.StringComparer.Ordinal);
            var needed = new List<ArenaPod>();
            foreach (var pod in ready)
            {
                if (existing.TryGetValue(pod.Name, out var key))
                {
                    WriteVerbose($"{pod.Name}: already has its key ({key.Hash}); left alone.");
                    results.Add(new ArenaLlmKeyResult { Name = pod.Name, Action = ArenaLlmKeyAction.AlreadyPresent, Hash = key.Hash, Label = key.Label, LimitUsd = key.LimitUsd, Succeeded = true });
                }
                else
                {
                    needed.Add(pod);
                }
            }
            if (needed.Count > 0)
            {
                var what = $"Make an OpenRouter key with a ${limit} limit for {Describe(needed)}, and set {VariableName} on each";
                if (!ConfirmBatch(what, what + "?", "Make LLM keys", Force)) return;
                MakeAndPlace(needed, ArenaLlmKeyAction.Created, new Dictionary<string, string>(), results);
            }
            Emit(results, "have their key");
        }
    }
}
