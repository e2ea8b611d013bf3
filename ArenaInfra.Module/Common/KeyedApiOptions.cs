using System;
using System.Management.Automation;
using System.Net.Http;

namespace ArenaInfra.Common
{
    /// <summary>
    /// How to reach an HTTP API the module calls with a key of the organiser's (OpenRouter's key API,
    /// Vast.ai): the key, only ever in the Authorization header, deadlines and retries. Each service's
    /// options add what is its own (its addresses, its limits).
    /// </summary>
    internal abstract class KeyedApiOptions
    {
        protected KeyedApiOptions(string key, string userAgent)
        {
            Key = key;
            UserAgent = userAgent;
        }

        public string Key { get; }
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

        /// <summary>
        /// The configured base address with a trailing slash. The key must never cross a network in clear:
        /// plain http only to this machine (a test double); anything else is InvalidConfigValue naming the setting.
        /// </summary>
        public static Uri CheckedBase(string configured, string settingKey, string keyNoun, string defaultUrl)
        {
            var baseUri = new Uri(configured.TrimEnd('/') + "/");
            if (baseUri.Scheme == Uri.UriSchemeHttp && !baseUri.IsLoopback)
            {
                throw new ArenaException(ArenaErrorIds.InvalidConfigValue, ErrorCategory.InvalidArgument,
                    $"{settingKey} is plain http to another machine ({baseUri.Host}); the {keyNoun} would travel unencrypted.",
                    $"Use https (the default is {defaultUrl}).");
            }
            return baseUri;
        }
    }
}
