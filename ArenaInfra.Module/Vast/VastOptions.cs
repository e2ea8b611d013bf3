using System;
using System.Management.Automation;
using System.Net.Http;
using ArenaInfra.Common;
using ArenaInfra.Config;

namespace ArenaInfra.Vast
{
    /// <summary>How to reach Vast.ai's API: its server, the API key (only ever in the Authorization header), deadlines, retries and the price cap.</summary>
    internal sealed class VastOptions
    {
        /// <summary>The variable a key may come from, winning over the stored one (as $env:RUNPOD_API_KEY does).</summary>
        public const string EnvironmentVariable = "VAST_API_KEY";

        public VastOptions(Uri server, string apiKey, string userAgent)
        {
            Server = server;
            ApiKey = apiKey;
            UserAgent = userAgent;
        }

        /// <summary>Vast's API server, such as https://console.vast.ai; the API is under /api/v0/ and /api/v1/.</summary>
        public Uri Server { get; }
        public string ApiKey { get; }
        public string UserAgent { get; }
        public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);
        /// <summary>The most time all attempts of one request may take together; zero turns retries off.</summary>
        public TimeSpan RetryBudget { get; set; } = TimeSpan.FromMinutes(2);
        public int MaxRetryAttempts { get; set; } = 6;
        public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);
        /// <summary>The longest one wait may be, whatever a Retry-After asks.</summary>
        public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);
        /// <summary>The most one machine may cost an hour (Vast's dph_total); no dearer offer is rented.</summary>
        public decimal MaxPricePerHour { get; set; } = 1m;
        /// <summary>How many offers a create tries when the one before was taken by someone else in the meantime.</summary>
        public int MaxRentAttempts { get; set; } = 3;
        /// <summary>How long a stop, start or destroy waits for a read of the instance to show it done.</summary>
        public TimeSpan ConfirmTimeout { get; set; } = TimeSpan.FromSeconds(30);
        public TimeSpan ConfirmInterval { get; set; } = TimeSpan.FromSeconds(2);
        public IArenaLog Log { get; set; } = NullArenaLog.Instance;
        public HttpMessageHandler? Handler { get; set; }

        /// <summary>An address of the API: path like "api/v0/instances/1/", query already escaped.</summary>
        public Uri Api(string pathAndQuery) => new Uri(Server.AbsoluteUri.TrimEnd('/') + "/" + pathAndQuery);

        /// <summary>The key: $env:VAST_API_KEY, else the one stored with Set-ArenaApiKey -Service Vast; null when neither.</summary>
        public static string? ApiKeyOrNull()
        {
            var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable)?.Trim();
            return string.IsNullOrEmpty(fromEnvironment) ? StoredApiKey.Load(ApiKeyService.Vast) : fromEnvironment;
        }

        public static ArenaException Missing() => new ArenaException(ArenaErrorIds.ApiKeyMissing, ErrorCategory.AuthenticationError,
            "No Vast.ai API key is set, so no Vast.ai machine can be listed, made, stopped, started or removed.",
            "Make one in Vast.ai's console under Keys, then store it once: Set-ArenaApiKey -Service Vast (it asks for it), or set $env:VAST_API_KEY. " +
            "A scheduled task finds the stored key only in the data folder of the user it runs as " +
            $"($env:ARENA_INFRA_DATA, else that user's own; this run looked for {StoredApiKey.PathOf(ApiKeyService.Vast)}): run Set-ArenaApiKey -Service Vast as that user, or point ARENA_INFRA_DATA at the folder that holds the key.");

        /// <summary>Options for this config; a missing key is ApiKeyMissing naming Set-ArenaApiKey -Service Vast.</summary>
        public static VastOptions From(ArenaConfig config, string userAgent, IArenaLog log) =>
            From(config, ApiKeyOrNull() ?? throw Missing(), userAgent, log);

        public static VastOptions From(ArenaConfig config, string apiKey, string userAgent, IArenaLog log)
        {
            var server = new Uri(config.VastApiUrl.TrimEnd('/') + "/");
            // The key must never cross a network in clear: plain http only to this machine (a test double).
            if (server.Scheme == Uri.UriSchemeHttp && !server.IsLoopback)
            {
                throw new ArenaException(ArenaErrorIds.InvalidConfigValue, ErrorCategory.InvalidArgument,
                    $"VAST_API_URL is plain http to another machine ({server.Host}); the Vast.ai API key would travel unencrypted.",
                    "Use https (the default is https://console.vast.ai).");
            }
            return new VastOptions(server, apiKey, userAgent)
            {
                RequestTimeout = TimeSpan.FromSeconds(config.ApiTimeoutSec),
                RetryBudget = TimeSpan.FromSeconds(config.ApiRetryMaxSec),
                MaxPricePerHour = config.VastMaxPricePerHour,
                Log = log,
            };
        }
    }
}
