using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Llm;

namespace ArenaInfra.Cmdlets
{
    /// <summary>
    /// Rotates a machine's OpenRouter key after a leak: the old key is revoked and seen gone first,
    /// then a new one is made and put on the pod. Never the fleet by default; confirmed as destructive.
    /// </summary>
    [Cmdlet(VerbsCommon.Reset, "ArenaLlmKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaLlmKeyResult))]
    public sealed class ResetArenaLlmKeyCommand : LlmKeyPlacementCmdlet
    {
        protected override void EndProcessing()
        {
            var pods = ChosenPods();
            if (pods.Count == 0) return;
            var results = new List<ArenaLlmKeyResult>();
            var ready = Placeable(pods, results);
            if (ready.Count > 0)
            {
                var limit = Limit;
                var api = LlmKeys;
                var keys = Run(token => api.ListKeysAsync(token));
                var what = $"Revoke the OpenRouter key of {Describe(ready)} and make each a new one with a ${limit} limit";
                if (!ConfirmBatch(what, what + "? Whatever uses the old key stops working.", "Rotate LLM keys", Force)) return;
                var revoked = new Dictionary<string, string>();
                var rotating = new List<ArenaPod>();
                foreach (var pod in ready)
                {
                    try
                    {
                        foreach (var old in keys.Where(k => k.Name == pod.Name))
                        {
                            Run(token => LlmKeyWork.RevokeAsync(api, old.Hash, pod.Name, Log, token));
                            revoked[pod.Id] = old.Hash;
                        }
                        rotating.Add(pod);
                    }
                    catch (ArenaException e)
                    {
                        // The leaked key may still work: no new one is made until the old one is seen gone.
                        results.Add(Failed(pod.Name, e.ErrorId, e.Message, $"Reset-ArenaLlmKey -Name {pod.Name} -Force"));
                    }
                }
                MakeAndPlace(rotating, ArenaLlmKeyAction.Rotated, revoked, results);
            }
            Emit(results, "have a new key");
        }
    }
}
