using System;
using System.Management.Automation;
using System.Net.Http;
using ArenaInfra.Common;

namespace ArenaInfra.RunPod
{
    internal sealed class RunPodClientOptions
    {
        public RunPodClientOptions(Uri baseUri, string apiKey, string userAgent)
        {
            BaseUri = baseUri;
            ApiKey = apiKey;
            UserAgent = userAgent;
        }

        /// <summary>RunPod's API base, such as https://api.runpod.io: GraphQL is at /graphql, REST v2 under /v2/.</summary>
        public Uri BaseUri { get; }

        /// <summary>The GraphQL endpoint under the base.</summary>
        public Uri GraphQlEndpoint => new Uri(BaseUri.AbsoluteUri.TrimEnd('/') + "/graphql");

        /// <summary>A REST v2 address under the base: path like "v2/pods", query already escaped.</summary>
        public Uri Rest(string pathAndQuery) => new Uri(BaseUri.AbsoluteUri.TrimEnd('/') + "/" + pathAndQuery);
        public string ApiKey { get; }
        public string UserAgent { get; }
        public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);
        /// <summary>The most time all attempts of one read may take together; zero turns retries off.</summary>
        public TimeSpan RetryBudget { get; set; } = TimeSpan.FromMinutes(2);
        public int MaxRetryAttempts { get; set; } = 6;
        public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);
        public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>
        /// How long one read's retries can go on: the budget, unless every attempt and wait fit in less.
        /// The pipeline ends there and the warning promises no more, so what is said is what is done.
        /// </summary>
        public TimeSpan RetryWindow
        {
            get
            {
                var attempts = TimeSpan.FromTicks(RequestTimeout.Ticks * (MaxRetryAttempts + 1L) + RetryMaxDelay.Ticks * (long)MaxRetryAttempts);
                return attempts < RetryBudget ? attempts : RetryBudget;
            }
        }

        /// <summary>What the first failed attempt of a read tells: how many more tries, within how long.</summary>
        public string RetryPromise => $"trying again up to {MaxRetryAttempts} times within {Math.Ceiling(RetryWindow.TotalSeconds):0} s";
        /// <summary>Requests a second this process sends to the API at most; 0 for no limit.</summary>
        public int RequestsPerSecond { get; set; }
        public IArenaLog Log { get; set; } = NullArenaLog.Instance;
        /// <summary>Tests may supply their own handler; otherwise one shared client serves every request.</summary>
        public HttpMessageHandler? Handler { get; set; }

        public static RunPodClientOptions From(ArenaConfig config, string userAgent, IArenaLog log)
        {
            var key = config.ApiKeyText;
            if (string.IsNullOrEmpty(key))
            {
                throw new ArenaException(ArenaErrorIds.ApiKeyMissing, ErrorCategory.AuthenticationError,
                    "No RunPod API key is set.",
                    "Store one with Set-ArenaApiKey, set $env:RUNPOD_API_KEY, pass -ApiKey (a SecureString, e.g. -ApiKey (Read-Host -AsSecureString)), " +
                    "or put RUNPOD_API_KEY in the config file. A scheduled task finds the stored key only in the data folder of the user it runs as " +
                    $"($env:ARENA_INFRA_DATA, else that user's own; this run looked for {Config.StoredApiKey.Path}): run Set-ArenaApiKey as that user, or point ARENA_INFRA_DATA at the folder that holds the key. " +
                    "Keys are made in RunPod's console under Settings > API Keys.");
            }
            var baseUri = new Uri(config.ApiBaseUrl.TrimEnd('/') + "/");
            if (baseUri.Scheme == Uri.UriSchemeHttp && !baseUri.IsLoopback)
            {
                log.Warning($"RUNPOD_API_BASE_URL is plain http ({baseUri.Host}): the API key and every answer travel unencrypted. Use https.");
            }
            return new RunPodClientOptions(baseUri, key!, userAgent)
            {
                RequestTimeout = TimeSpan.FromSeconds(config.ApiTimeoutSec),
                RetryBudget = TimeSpan.FromSeconds(config.ApiRetryMaxSec),
                RequestsPerSecond = config.ApiRequestsPerSecond,
                Log = log,
            };
        }
    }
}
