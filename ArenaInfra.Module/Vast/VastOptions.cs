using System;
using System.Management.Automation;
using System.Net.Http;
using ArenaInfra.Common;
using ArenaInfra.Config;

namespace ArenaInfra.Vast
{
    /// <summary>How to reach Vast.ai's API: its server, the API key (only ever in the Authorization header), deadlines, retries and the price cap.</summary>
    internal sealed class VastOptions : KeyedApiOptions
    {
        /// <summary>Who Vast.ai is to the shared sender; an instance list page or 64 offers are a few hundred KB.</summary>
        public static readonly KeyedApiService Service = new KeyedApiService("Vast.ai", "VAST_API_URL", "API key",
            ArenaErrorIds.ApiError, ArenaErrorIds.ApiUnreachable, 8 * 1024 * 1024);

        /// <summary>The variable a key may come from, winning over the stored one (as $env:RUNPOD_API_KEY does).</summary>
        public const string EnvironmentVariable = "VAST_API_KEY";

        public VastOptions(Uri server, string apiKey, string userAgent) : base(apiKey, userAgent) => Server = server;

        /// <summary>Vast's API server, such as https://console.vast.ai; the API is under /api/v0/ and /api/v1/.</summary>
        public Uri Server { get; }
        public string ApiKey => Key;
        /// <summary>The most one machine may cost an hour (Vast's dph_total); no dearer offer is rented.</summary>
        public decimal MaxPricePerHour { get; set; } = 1m;
        /// <summary>How many offers a create tries when the one before was taken by someone else in the meantime.</summary>
        public int MaxRentAttempts { get; set; } = 3;
        /// <summary>How long a stop, start or destroy waits for a read of the instance to show it done.</summary>
        public TimeSpan ConfirmTimeout { get; set; } = TimeSpan.FromSeconds(30);
        public TimeSpan ConfirmInterval { get; set; } = TimeSpan.FromSeconds(2);

        /// <summary>An address of the API: path like "api/v0/instances/1/", query already escaped.</summary>
        public Uri Api(string pathAndQuery) => new Uri(Server.AbsoluteUri.TrimEnd('/') + "/" + pathAndQuery);

        /// <summary>The key: $env:VAST_API_KEY, else the one stored with Set-ArenaApiKey -Service Vast; null when neither.</summary>
        public static string? ApiKeyOrNull() => StoredApiKey.FromEnvironmentOrStore(EnvironmentVariable, ApiKeyService.Vast);

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
            var server = CheckedBase(config.VastApiUrl, "VAST_API_URL", "Vast.ai API key", "https://console.vast.ai");
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
