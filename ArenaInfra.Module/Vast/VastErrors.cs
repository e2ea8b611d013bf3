using System.Management.Automation;
using ArenaInfra.Common;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace ArenaInfra.Vast
{
    /// <summary>Vast.ai's refusals as the module's errors: the ids RunPod's use, Vast's words kept to one safe line, the key never in them.</summary>
    internal static class VastErrors
    {
        public static ArenaException Invalid(string operation, string why) => new ArenaException(ArenaErrorIds.InvalidResponse, ErrorCategory.InvalidResult,
            $"Vast.ai's answer to {operation} was not understood: {why}.", "Check VAST_API_URL (Get-ArenaConfig); if it is Vast.ai, its API may have changed.");

        /// <summary>Vast's error body ({"success": false, "error": "no_such_ask", "msg": "..."}, or {"detail": "..."}): its words, one safe line, the key never in it.</summary>
        public static string? Said(string body, string apiKey)
        {
            try
            {
                if (!(JToken.Parse(body) is JObject o)) return null;
                var parts = new System.Collections.Generic.List<string>();
                foreach (var field in new[] { "error", "msg", "detail" })
                {
                    if (o[field]?.Type == JTokenType.String) parts.Add((string)o[field]!);
                }
                if (parts.Count == 0) return null;
                var text = TerminalText.SafeLine(Secrets.Redact(string.Join(": ", parts), apiKey));
                return text.Length > 200 ? text.Substring(0, 200) + "..." : text;
            }
            catch (JsonException)
            {
                return null;
            }
        }

        /// <summary>True when Vast says the offer is gone (404 or 410, or no_such_ask): nothing was rented, so the next offer may be tried.</summary>
        public static bool OfferTaken(ApiAnswer answer)
        {
            if (answer.Status == 404 || answer.Status == 410) return true;
            if (answer.Status != 400) return false;
            try
            {
                return JToken.Parse(answer.Body) is JObject o
                    && (IsNoSuchAsk(o["error"]) || IsNoSuchAsk(o["msg"]));
            }
            catch (JsonException)
            {
                return false;
            }
        }

        private static bool IsNoSuchAsk(JToken? token) => token?.Type == JTokenType.String && ((string)token!).IndexOf("no_such_ask", System.StringComparison.OrdinalIgnoreCase) >= 0;

        /// <summary>A refusal as an error: 401/403 the key, 404 the pod, 429 the rate, anything else Vast's own words.</summary>
        public static ArenaException Refused(string operation, ApiAnswer answer, string apiKey, string? podId = null)
        {
            var said = Said(answer.Body, apiKey);
            var words = said == null ? "" : ": " + said;
            if (answer.Status == 401 || answer.Status == 403)
            {
                return new ArenaException(ArenaErrorIds.AuthenticationFailed, ErrorCategory.AuthenticationError,
                    $"Vast.ai refused the API key for {operation} (HTTP {answer.Status}){words}.",
                    "Store a valid key with Set-ArenaApiKey -Service Vast, or set $env:VAST_API_KEY; keys are made in Vast.ai's console under Keys.") { HttpStatus = answer.Status };
            }
            if (answer.Status == 404 && podId != null)
            {
                return new ArenaException(ArenaErrorIds.PodNotFound, ErrorCategory.ObjectNotFound,
                    $"Vast.ai has no instance {UntrustedValue.Printable(podId)} ({operation}, HTTP 404){words}.", "Run Get-ArenaPod for the current list.", target: podId) { HttpStatus = answer.Status };
            }
            if (answer.Status == 429)
            {
                return new ArenaException(ArenaErrorIds.RateLimited, ErrorCategory.LimitsExceeded,
                    $"Vast.ai kept refusing {operation} for too many requests (HTTP 429){words}.",
                    "Wait a minute and run the command again.") { HttpStatus = answer.Status };
            }
            return new ArenaException(ArenaErrorIds.ApiError, ErrorCategory.InvalidResult,
                $"Vast.ai refused {operation} (HTTP {answer.Status}){words}.",
                answer.Status >= 500 ? "Try again later; if it persists, check Vast.ai's status page." : "Check the request against Vast.ai's console; the module sent what Vast's API documentation names.") { HttpStatus = answer.Status };
        }
    }
}
