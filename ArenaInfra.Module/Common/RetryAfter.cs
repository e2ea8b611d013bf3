using System;
using System.Net.Http;

namespace ArenaInfra.Common
{
    /// <summary>An HTTP answer's Retry-After, as a wait from now: RunPod and OpenRouter are read by this one rule.</summary>
    internal static class RetryAfter
    {
        /// <summary>The wait the answer asks for (never negative), or null when it asks for none.</summary>
        public static TimeSpan? Of(HttpResponseMessage response)
        {
            var header = response.Headers.RetryAfter;
            if (header?.Delta is TimeSpan delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
            if (header?.Date is DateTimeOffset date)
            {
                var wait = date - DateTimeOffset.UtcNow;
                return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
            }
            return null;
        }
    }
}
