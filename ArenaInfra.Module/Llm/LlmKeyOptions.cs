using System;
using System.Management.Automation;
using System.Net.Http;
using ArenaInfra.Common;
using ArenaInfra.Config;

namespace ArenaInfra.Llm
{
    /// <summary>How to reach OpenRouter's key API: its base, the provisioning key (only ever in the Authorization header), deadlines and retries.</summary>
    internal sealed class LlmKeyOptions
    {
        /// <summary>The variable a provisioning key may come from, winning over the stored one (as $env:RUNPOD_API_KEY does).</summary>
        public const string EnvironmentVariable = "OPENROUTER_PROVISIONING_KEY";

        public LlmKeyOptions(Uri baseUri, string provisioningKey, string userAgent)
        {
            BaseUri = baseUri;
            ProvisioningKey = provisioningKey;
            UserAgent = userAgent;
        }

        /// <summary>OpenRouter's API base, such as https://openrouter.ai/api/v1; the key API is under /keys.</summary>
        public Uri BaseUri { get; }
        public string ProvisioningKey { get; }
        public string UserAgent { get; }
        public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);
        /// <summary>The most time all attempts of one request may take together; zero turns retries off.</summary>
        public TimeSpan RetryBudget { get; set; } = TimeSpan.FromMinutes(2);
        public int MaxRetryAttempts { get; set; } = 6;
        public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);
        /// <summary>The longest one wait may be, whatever a Retry-After asks.</summary>
        public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);
        public IArenaLog Log { get; set; } = NullArenaLog.Instance;
        public HttpMessageHandler? Handler { get; set; }

        public Uri Keys(string pathAndQuery = "") => new Uri(BaseUri.AbsoluteUri.TrimEnd('/') + "/keys" + pathAndQuery);

        /// <summary>The provisioning key: $env:OPENROUTER_PROVISIONING_KEY, else the one stored with Set-ArenaApiKey -Service OpenRouter; null when neither.</summary>
        public static string? ProvisioningKeyOrNull()
        {
            var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable)?.Trim();
            return string.IsNullOrEmpty(fromEnvironment) ? StoredApiKey.Load(ApiKeyService.OpenRouter) : fromEnvironment;
        }

        public static ArenaException Missing() => new ArenaException(ArenaErrorIds.LlmProvisioningKeyMissing, ErrorCategory.AuthenticationError,
            "No OpenRouter provisioning key is set, so no LLM key can be made, listed or revoked.",
            "Make one on OpenRouter's Provisioning API Keys page, then store it once: Set-ArenaApiKey -Service OpenRouter (it asks for it), or set $env:OPENROUTER_PROVISIONING_KEY.");

        /// <summary>Options for this config; a missing provisioning key is LlmProvisioningKeyMissing.</summary>
        public static LlmKeyOptions From(ArenaConfig config, string userAgent, IArenaLog log) =>
            From(config, ProvisioningKeyOrNull() ?? throw Missing(), userAgent, log);

        public static LlmKeyOptions From(ArenaConfig config, string provisioningKey, string userAgent, IArenaLog log)
        {
            var baseUri = new Uri(config.OpenRouterApiUrl.TrimEnd('/') + "/");
            // The provisioning key must never cross a network in clear: plain http only to this machine (a test double).
            if (baseUri.Scheme == Uri.UriSchemeHttp && !baseUri.IsLoopback)
            {
                throw new ArenaException(ArenaErrorIds.InvalidConfigValue, ErrorCategory.InvalidArgument,
                    $"OPENROUTER_API_URL is plain http to another machine ({baseUri.Host}); the provisioning key would travel unencrypted.",
                    "Use https (the default is https://openrouter.ai/api/v1).");
            }
            return new LlmKeyOptions(baseUri, provisioningKey, userAgent)
            {
                RequestTimeout = TimeSpan.FromSeconds(config.ApiTimeoutSec),
                RetryBudget = TimeSpan.FromSeconds(config.ApiRetryMaxSec),
                Log = log,
            };
        }
    }
}
