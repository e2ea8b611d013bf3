using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using ArenaInfra.Config;
using ArenaInfra.Llm;

namespace ArenaInfra.Teardown
{
    /// <summary>The program's OpenRouter keys still alive: each one Left with its revocation; "?" when OpenRouter does not answer.</summary>
    internal static class LlmKeyLeftovers
    {
        private const ArenaTeardownKind Kind = ArenaTeardownKind.LlmKey;

        public static async Task<IReadOnlyList<ArenaTeardownCheck>> CheckAsync(ArenaConfig config, IArenaLog log, CancellationToken cancellationToken)
        {
            var naming = new FleetNaming(config.Prefix);
            var what = $"OpenRouter keys named {naming.Prefix}-*";
            try
            {
                var provisioningKey = LlmKeyOptions.ProvisioningKeyOrNull();
                if (provisioningKey == null) return new[] { new ArenaTeardownCheck(Kind, what, ArenaTeardownState.Clear, "no OpenRouter provisioning key is configured, so the program made no LLM keys") };
                log.Verbose("Listing the program's OpenRouter keys.");
                var api = new OpenRouterKeyApi(LlmKeyOptions.From(config, provisioningKey, "ArenaInfra Test-ArenaTeardown", log));
                var keys = LlmKeyWork.ProgramKeys(await api.ListKeysAsync(cancellationToken).ConfigureAwait(false), naming);
                if (keys.Count == 0) return new[] { new ArenaTeardownCheck(Kind, what, ArenaTeardownState.Clear, "no program key is left on OpenRouter") };
                return keys.Select(k => new ArenaTeardownCheck(Kind, k.Name, ArenaTeardownState.Left,
                    $"the key {k.Hash} is alive (spent ${k.UsageUsd} of {(k.LimitUsd is decimal l ? "$" + l : "no limit")}{(k.Disabled ? ", disabled" : "")})", LlmKeyWork.RemoveCommand(k.Hash))).ToList();
            }
            catch (ArenaException e)
            {
                return new[] { new ArenaTeardownCheck(Kind, what, ArenaTeardownState.Unknown, $"OpenRouter could not tell: {e.Message}", $"Get-ArenaLlmKey; Remove-ArenaLlmKey -Name *") };
            }
        }
    }
}
