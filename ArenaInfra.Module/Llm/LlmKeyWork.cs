using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using ArenaInfra.Config;

namespace ArenaInfra.Llm
{
    /// <summary>The rules of the program's LLM keys, above any one service: which keys are ours, and a revocation that is seen done.</summary>
    internal static class LlmKeyWork
    {
        /// <summary>The program's keys: named &lt;prefix&gt;-&lt;machine&gt; (FleetNaming, as the pods are), sorted by name.</summary>
        public static IReadOnlyList<LlmKeyRecord> ProgramKeys(IEnumerable<LlmKeyRecord> keys, FleetNaming naming) =>
            keys.Where(k => naming.MachineNameOf(k.Name) != null).OrderBy(k => k.Name, System.StringComparer.Ordinal).ToList();

        public static ArenaLlmKey ToPublic(LlmKeyRecord key, FleetNaming naming) =>
            new ArenaLlmKey(key.Name, naming.MachineNameOf(key.Name), key.Hash, key.Label, key.LimitUsd, key.UsageUsd, key.Disabled, key.CreatedAt);

        /// <summary>
        /// Deletes the key and asks for it again: revoked only when OpenRouter says it has no such key.
        /// Returns true when it was deleted now, false when it was already gone.
        /// </summary>
        public static async Task<bool> RevokeAsync(ILlmKeyApi api, string hash, string name, IArenaLog log, CancellationToken cancellationToken)
        {
            var deleted = await api.DeleteKeyAsync(hash, cancellationToken).ConfigureAwait(false);
            var still = await api.GetKeyAsync(hash, cancellationToken).ConfigureAwait(false);
            if (still != null)
            {
                throw new ArenaException(ArenaErrorIds.LlmKeyRevokeUnverified, ErrorCategory.InvalidResult,
                    $"OpenRouter {(deleted ? "said it deleted" : "said it had no")} the key {TerminalText.SafeLine(name)} ({hash}), but still lists it.",
                    $"Run Remove-ArenaLlmKey -Hash {hash} -Force again, or delete it on OpenRouter's keys page.");
            }
            log.Verbose($"{TerminalText.SafeLine(name)}: the key {hash} is {(deleted ? "revoked" : "already gone")}; OpenRouter no longer has it.");
            return deleted;
        }

        public static string RemoveCommand(string hash) => $"Remove-ArenaLlmKey -Hash {hash} -Force";
    }
}
