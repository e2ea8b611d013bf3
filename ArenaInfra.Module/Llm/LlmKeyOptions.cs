using System;
using System.Management.Automation;
using System.Net.Http;
using ArenaInfra.Common;
using ArenaInfra.Config;

namespace ArenaInfra.Llm
{
    /// <summary>How to reach OpenRouter's key API: its base, the provisioning key (only ever in the Authorization header), deadlines and retries.</summary>
    internal sealed class LlmKeyOptions : KeyedApiOptions
    {
        /// <summary>Who OpenRouter is to the shared sender: its name, setting, key and error ids; a page of 100 keys is a few tens of KB.</summary>
        public static readonly KeyedApiService Service = new KeyedApiService("OpenRouter", "OPENROUTER_API_URL", "provisioning key",
            ArenaErrorIds.LlmApiError, ArenaErrorIds.LlmApiUnreachable, 4 * 1024 * 1024);

        /// <summary>The variable a provisioning key may come from, winning over the stored one (as $env:RUNPOD_API_KEY does).</summary>
        public const string EnvironmentVariable = "OPENROUTER_PROVISIONING_KEY";

        public LlmKeyOptions(Uri baseUri, string provisioningKey, string userAgent) : base(provisioningKey, userAgent) => BaseUri = baseUri;

        /// <summary>OpenRouter's API base, such as https://openrouter.ai/api/v1; the key API is under /keys.</summary>
        public Uri BaseUri { get; }
        public string ProvisioningKey => Key;

        public Uri Keys(string pathAndQuery = "") => new Uri(BaseUri.AbsoluteUri.TrimEnd('/') + "/keys" + pathAndQuery);

        /// <summary>The provisioning key: $env:OPENROUTER_PROVISIONING_KEY, else the one stored with Set-ArenaApiKey -Service OpenRouter; null when neither.</summary>
        public static string? ProvisioningKeyOrNull() => StoredApiKey.FromEnvironmentOrStore(EnvironmentVariable, ApiKeyService.OpenRouter);

        public static ArenaException Missing() => new ArenaException(ArenaErrorIds.LlmProvisioningKeyMissing, ErrorCategory.AuthenticationError,
            "No OpenRouter provisioning key is set, so no LLM key can be made, listed or revoked.",
            "Make one on OpenRouter's Provisioning API Keys page, then store it once: Set-ArenaApiKey -Service OpenRouter (it asks for it), or set $env:OPENROUTER_PROVISIONING_KEY.");

        /// <summary>Options for this config; a missing provisioning key is LlmProvisioningKeyMissing.</summary>
        public static LlmKeyOptions From(ArenaConfig config, string userAgent, IArenaLog log) =>
            From(config, ProvisioningKeyOrNull() ?? throw Missing(), userAgent, log);

        public static LlmKeyOptions From(ArenaConfig config, string provisioningKey, string userAgent, IArenaLog log)
        {
            var baseUri = CheckedBase(config.OpenRouterApiUrl, "OPENROUTER_API_URL", "provisioning key", "https://openrouter.ai/api/v1");
            return new LlmKeyOptions(baseUri, provisioningKey, userAgent)
            {
                RequestTimeout = TimeSpan.FromSeconds(config.ApiTimeoutSec),
                RetryBudget = TimeSpan.FromSeconds(config.ApiRetryMaxSec),
                Log = log,
            };
        }
    }
}
