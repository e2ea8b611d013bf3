using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.Common;
using ArenaInfra.Pods;
using ArenaInfra.RunPod.Wire;
using Newtonsoft.Json.Linq;

namespace ArenaInfra.RunPod
{
    /// <summary>Turns RunPod's HTTP statuses and GraphQL errors into the module's error ids.</summary>
    internal static class RunPodErrors
    {
        private const string KeyAdvice =
            "Check the API key ($env:RUNPOD_API_KEY, -ApiKey, or RUNPOD_API_KEY in the config file; Get-ArenaConfig shows which is used). " +
            "A new key can be made in RunPod's console under Settings > API Keys.";

        public static ArenaException FromHttpStatus(string operation, int status, string body, string secret)
        {
            if (status == 401)
            {
                return AuthenticationFailed($"RunPod rejected the API key for {operation} (HTTP 401).");
            }
            if (status == 410)
            {
                var retired = Retired("GraphQL API", operation, "Set RUNPOD_API=rest (the default) in the config file, or remove RUNPOD_API=graphql from it: ArenaInfra speaks RunPod's REST API v2.");
                retired.HttpStatus = 410;
                return retired;
            }
            if (status == 403 && body.IndexOf("error code: 1010", StringComparison.OrdinalIgnoreCase) >= 0)
            {
                return new ArenaException(ArenaErrorIds.NetworkBlocked, ErrorCategory.ConnectionError,
                    $"RunPod's network edge blocked the {operation} request (HTTP 403, error code 1010). This is not a problem with the API key.",
                    "The request was refused before it reached RunPod, usually because a proxy, VPN or security product changed it. Try another network, or check what sits between this machine and the internet.");
            }
            var graphQlMessage = TryGraphQlErrors(body, secret);
            var error = graphQlMessage != null
                ? FromGraphQlErrors(operation, graphQlMessage.Value.Message, graphQlMessage.Value.Code, status)
                : status == 429
                    ? RateLimited(operation, 1, null)
                    : new ArenaException(ArenaErrorIds.ApiError, ErrorCategory.InvalidResult,
                        $"RunPod answered {operation} with HTTP {status}: {Start(body, secret)}",
                        "Try again later; if it persists, check RunPod's status page.");
            error.HttpStatus = status;
            return error;
        }

        /// <summary>A stopped pod whose host machine has no free GPU: it cannot start anywhere else, so waiting may never end.</summary>
        private static ArenaException StuckOnHost(string operation, string said) =>
            new ArenaException(ArenaErrorIds.PodStuckOnHost, ErrorCategory.ResourceUnavailable,
                $"RunPod cannot {operation}{said}. The pod is stuck on its host: a stopped pod stays tied to the machine it ran on, and that machine has no free GPU now.",
                "Replace it: Repair-ArenaPod -Name <pod> makes a new pod under the same name (with its work restored from a backup), or Start-ArenaPod -ReplaceIfStuck does that for every stuck pod. Waiting may also work, but nothing says when.");

        public static ArenaException FromGraphQlErrors(string operation, string message, string? code, int status = 200)
        {
            var text = message.ToLowerInvariant();
            if (text.Contains("unauthorized") || text.Contains("unauthenticated") || code == "UNAUTHENTICATED" || code == "FORBIDDEN")
            {
                return AuthenticationFailed($"RunPod refused {operation}: \"{message}\".");
            }
            if (text.Contains("not enough free gpus"))
            {
                return StuckOnHost(operation, $": \"{message}\"");
            }
            if (code == "SUPPLY_CONSTRAINT" || text.Contains("no longer any instances available"))
            {
                return new ArenaException(ArenaErrorIds.CapacityUnavailable, ErrorCategory.ResourceUnavailable,
                    $"RunPod has no capacity for {operation}: \"{message}\"",
                    "Try again later, another GPU type (-GpuType), or the other cloud type (COMMUNITY or SECURE).");
            }
            if (text.Contains("balance is too low") || text.Contains("insufficient") && text.Contains("fund"))
            {
                return new ArenaException(ArenaErrorIds.InsufficientBalance, ErrorCategory.QuotaExceeded,
                    $"RunPod refused {operation} for lack of funds: \"{message}\"",
                    "Add funds to the RunPod account (console > Billing), then run the command again.");
            }
            var codeText = code == null ? "" : $" ({code})";
            return new ArenaException(ArenaErrorIds.ApiError, ErrorCategory.InvalidOperation,
                $"RunPod returned an error for {operation}{codeText}{(status != 200 ? $", HTTP {status}" : "")}: \"{message}\"",
                "Read RunPod's message above; if it says to try again later, do so.");
        }

        /// <summary>REST v2's answer for a failed request: RFC 9457 problem details (title, status, detail, errors).</summary>
        public static ArenaException FromV2Problem(string operation, RawResponse response, string secret)
        {
            var status = response.StatusCode;
            var problem = TryProblem(response.Body);
            var detail = Secrets.Redact(problem?.Detail ?? problem?.Title ?? "", secret).Trim();
            var said = detail.Length > 0 ? $": \"{Shorten(detail)}\"" : "";
            ArenaException error;
            if (status == 401)
            {
                error = AuthenticationFailed($"RunPod rejected the API key for {operation} (HTTP 401){said}.");
            }
            else if (status == 403 && response.Body.IndexOf("error code: 1010", StringComparison.OrdinalIgnoreCase) >= 0)
            {
                error = FromHttpStatus(operation, status, response.Body, secret);
            }
            else if (status == 402)
            {
                error = new ArenaException(ArenaErrorIds.InsufficientBalance, ErrorCategory.QuotaExceeded,
                    $"RunPod refused {operation} for lack of funds (HTTP 402){said}.",
                    "Add funds to the RunPod account (console > Billing), then run the command again.");
            }
            else if (PodLock.IsLockedRefusal(status, detail))
            {
                // Not a transient failure: the pod stays locked until someone unlocks it.
                error = new ArenaException(ArenaErrorIds.PodLocked, ErrorCategory.PermissionDenied,
                    $"RunPod refused {operation}: the pod is locked (HTTP 400){said}; nothing was changed.", PodLock.HowToUnlock);
            }
            else if (status == 400 && (detail.IndexOf("capacity", StringComparison.OrdinalIgnoreCase) >= 0
                || detail.IndexOf("no longer any instances available", StringComparison.OrdinalIgnoreCase) >= 0
                || detail.IndexOf("not enough free gpus", StringComparison.OrdinalIgnoreCase) >= 0
                || detail.IndexOf("no machine", StringComparison.OrdinalIgnoreCase) >= 0))
            {
                error = detail.IndexOf("not enough free gpus", StringComparison.OrdinalIgnoreCase) >= 0
                    ? StuckOnHost(operation, said)
                    : new ArenaException(ArenaErrorIds.CapacityUnavailable, ErrorCategory.ResourceUnavailable,
                        $"RunPod has no capacity for {operation}{said}",
                        "Try again later, another GPU type (-GpuType), or the other cloud type (COMMUNITY or SECURE).");
            }
            else if (status == 404)
            {
                error = new ArenaException(ArenaErrorIds.PodNotFound, ErrorCategory.ObjectNotFound,
                    $"RunPod has nothing to {operation} there (HTTP 404){said}.", "Run Get-ArenaPod to see the pods there are.");
            }
            else if (status == 409)
            {
                error = new ArenaException(ArenaErrorIds.PodActionNotValid, ErrorCategory.InvalidOperation,
                    $"RunPod refused {operation}: not valid for the pod's state now (HTTP 409){said}.", "Run Get-ArenaPod to see the pod's status.");
            }
            else if (status == 410)
            {
                error = Retired("REST API v2 endpoint", operation, "Update ArenaInfra to a version that speaks RunPod's current API; until then RUNPOD_API=graphql may still work.");
            }
            else if (status == 422)
            {
                var errors = problem?.Errors?.Where(e => !string.IsNullOrEmpty(e)).Select(e => Secrets.Redact(e!, secret)).ToList() ?? new List<string>();
                error = new ArenaException(ArenaErrorIds.RequestRejected, ErrorCategory.InvalidData,
                    $"RunPod rejected the {operation} request as not matching its API (HTTP 422){said}" + (errors.Count > 0 ? $" ({Shorten(string.Join("; ", errors))})" : "") + ". This is a bug in ArenaInfra, not in your settings.",
                    "Report it with this message; running the command again will not help.");
            }
            else if (status == 429)
            {
                error = RateLimited(operation, 1, null);
            }
            else
            {
                error = new ArenaException(ArenaErrorIds.ApiError, status == 403 ? ErrorCategory.PermissionDenied : ErrorCategory.InvalidResult,
                    $"RunPod refused {operation} (HTTP {status}){(said.Length > 0 ? said : ": " + Start(response.Body, secret))}.",
                    status >= 500 ? "Try again later; if it persists, check RunPod's status page." : "Read RunPod's message above.");
            }
            error.HttpStatus = status;
            return error;
        }

        /// <summary>A redirect: never followed for RunPod (a create would become a GET elsewhere), so an error naming where it pointed.</summary>
        public static ArenaException Redirected(string operation, int status, string? location, string secret) =>
            new ArenaException(ArenaErrorIds.ApiError, ErrorCategory.InvalidResult,
                $"RunPod answered {operation} with a redirect (HTTP {status}) to {(location == null ? "(no Location)" : UntrustedValue.Printable(Secrets.Redact(location, secret)))}; ArenaInfra does not follow redirects for RunPod, so nothing was done there.",
                "Check ApiBaseUrl (Get-ArenaConfig): it should be RunPod's API itself (https://api.runpod.io), not an address that forwards to it.") { HttpStatus = status };

        /// <summary>
        /// A 2xx whose body is an error ({"error": ...}, GraphQL's errors, a problem): never a success. Read by
        /// its text as GraphQL's errors are (no capacity, no funds, ...), else ApiError.
        /// </summary>
        public static ArenaException ErrorIn2xx(string operation, int status, string said)
        {
            var error = FromGraphQlErrors(operation, said, null, status);
            error.HttpStatus = status;
            return error;
        }

        /// <summary>The error text of a 2xx body, or null when it carries none. Redacted and cut short.</summary>
        public static string? ErrorInBody(JObject root, string secret)
        {
            string? said = null;
            var error = root["error"];
            if (error?.Type == JTokenType.String) said = (string?)error;
            else if (error is JObject errorObject) said = errorObject["message"]?.Type == JTokenType.String ? (string?)errorObject["message"] : errorObject.ToString(Newtonsoft.Json.Formatting.None);
            else if (root["errors"] is JArray errors && errors.Count > 0)
            {
                said = errors.First is JObject first ? FirstError(errors, secret).Message : errors.First?.ToString();
            }
            else if (root["status"] is JToken problemStatus && problemStatus.Type == JTokenType.Integer && (int)problemStatus >= 400)
            {
                said = root["detail"]?.Type == JTokenType.String ? (string?)root["detail"] : root["title"]?.ToString() ?? "an error";
            }
            if (said == null) return null;
            said = Secrets.Redact(said, secret).Trim();
            return Shorten(said.Length == 0 ? "(an empty error)" : said);
        }

        /// <summary>An action RunPod answered with a 2xx, and the pod (as answered, then read again) is not in the state it leads to.</summary>
        public static ArenaException ActionNotDone(string podId, string action, ArenaPod? pod, int status, string? said)
        {
            var name = string.IsNullOrEmpty(pod?.Name) ? podId : UntrustedValue.Printable(pod!.Name);
            var state = pod == null ? "gone" : pod.DesiredStatus ?? pod.Status.ToString();
            return new ArenaException(ArenaErrorIds.PodOperationFailed, ErrorCategory.InvalidResult,
                $"{name}: RunPod answered the {action} with HTTP {status}, but the pod is {state}, so it is not taken as done" + (said == null ? "." : $" (RunPod said: \"{UntrustedValue.Printable(said)}\")."),
                "Run Get-ArenaPod to see its state (a locked pod must be unlocked first), then run the command again.") { HttpStatus = status };
        }

        /// <summary>A lock or unlock RunPod did not confirm, and a fresh read does not show: not taken as done.</summary>
        public static ArenaException LockNotSet(string podId, bool locked, ArenaPod? pod, string answered, ArenaException? inner)
        {
            var name = string.IsNullOrEmpty(pod?.Name) ? UntrustedValue.Printable(podId) : UntrustedValue.Printable(pod!.Name);
            var wanted = locked ? "locked" : "unlocked";
            var state = pod == null ? "gone" : pod.Locked == null ? "not saying whether it is locked" : pod.Locked == true ? "locked" : "unlocked";
            return new ArenaException(ArenaErrorIds.PodOperationFailed, ErrorCategory.InvalidResult,
                $"{name}: asked to be {wanted}, RunPod answered {answered}, and a fresh read shows the pod {state}; it is not taken as {wanted}.",
                $"Run Get-ArenaPod to see its lock, then run {(locked ? "Lock-ArenaPod" : "Unlock-ArenaPod")} again.", inner);
        }

        /// <summary>A 409 made plain: what the pod's state is now and what it allows.</summary>
        public static ArenaException ActionNotValid(string podId, string action, ArenaPod? pod, string message)
        {
            var name = pod?.Name ?? podId;
            var allowed = pod == null || pod.AllowedActions.Length == 0 ? "nothing" : string.Join(", ", pod.AllowedActions);
            return new ArenaException(ArenaErrorIds.PodActionNotValid, ErrorCategory.InvalidOperation,
                $"{name}: RunPod will not {action} it now: it is {(pod == null ? "gone" : pod.DesiredStatus ?? pod.Status.ToString())}, and allows {allowed}.",
                "Run Get-ArenaPod to see its status; wait until it allows the action, or choose another.") { HttpStatus = 409 };
        }

        public static ArenaException PodGone(string podId, string action) =>
            new ArenaException(ArenaErrorIds.PodNotFound, ErrorCategory.ObjectNotFound,
                $"{podId}: the pod is gone, so it cannot {action}.", "Run Get-ArenaPod to see the pods there are.");

        private static ArenaException Retired(string what, string operation, string fix) =>
            new ArenaException(ArenaErrorIds.ApiRetired, ErrorCategory.NotImplemented,
                $"RunPod has retired its {what} (HTTP 410 Gone for {operation}): it will not answer again, so waiting will not help.", fix);

        private static V2Problem? TryProblem(string body)
        {
            try
            {
                return JToken.Parse(body) is JObject root ? root.ToObject<V2Problem>() : null;
            }
            catch (Newtonsoft.Json.JsonException)
            {
                return null;
            }
        }

        private static string Shorten(string text) => text.Length <= 300 ? text : text.Substring(0, 300) + "...";

        public static ArenaException AuthenticationFailed(string message) =>
            new ArenaException(ArenaErrorIds.AuthenticationFailed, ErrorCategory.AuthenticationError, message, KeyAdvice);

        public static ArenaException RateLimited(string operation, int attempts, TimeSpan? elapsed) =>
            new ArenaException(ArenaErrorIds.RateLimited, ErrorCategory.LimitsExceeded,
                $"RunPod kept refusing {operation} with HTTP 429 (too many requests) after {attempts} attempt(s){(elapsed is TimeSpan e ? $" over {e.TotalSeconds:0.#} s" : "")}.",
                "Wait a minute and run the command again, or lower -ThrottleLimit; raise RUNPOD_API_RETRY_MAX_SEC to wait longer.");

        public static ArenaException InvalidResponse(string operation, int status, string body, string secret, string what) =>
            new ArenaException(ArenaErrorIds.InvalidResponse, ErrorCategory.InvalidResult,
                $"RunPod's answer to {operation} {what} (HTTP {status}). It began: {Start(body, secret)}",
                "Check ApiBaseUrl (Get-ArenaConfig); a proxy or captive portal may be answering instead of RunPod.");

        /// <summary>
        /// Created is a pod with an id and the name asked for; anything else leaves the create in doubt.
        /// Both backends check their answer here, before it is believed.
        /// </summary>
        public static ArenaPod CheckCreated(ArenaPod pod, string expectedName, string operation, int status, string body, string secret)
        {
            if (pod.Id.Length == 0 || pod.Name != expectedName)
            {
                throw InvalidResponse(operation, status, body, secret,
                    $"is not the pod {expectedName} asked for (id '{UntrustedValue.Printable(pod.Id)}', name '{UntrustedValue.Printable(pod.Name)}')");
            }
            return pod;
        }

        /// <summary>The first GraphQL error of a JSON body, if the body is one.</summary>
        public static (string Message, string? Code)? TryGraphQlErrors(string body, string secret)
        {
            try
            {
                if (!(JToken.Parse(body) is JObject root) || !(root["errors"] is JArray errors) || errors.Count == 0) return null;
                return FirstError(errors, secret);
            }
            catch (Newtonsoft.Json.JsonException)
            {
                return null;
            }
        }

        public static (string Message, string? Code) FirstError(JArray errors, string secret)
        {
            var first = errors.First;
            var message = first?["message"]?.Type == JTokenType.String ? (string)first["message"]! : "(no message)";
            var code = first?["extensions"]?["code"]?.Type == JTokenType.String ? (string)first["extensions"]!["code"]! : null;
            var more = errors.Count > 1 ? $" (and {errors.Count - 1} more)" : "";
            return (Secrets.Redact(message, secret) + more, code);
        }

        /// <summary>The start of a body for a message: one line, short, with the key removed.</summary>
        public static string Start(string body, string secret)
        {
            var text = Secrets.Redact(body ?? "", secret).Replace("\r", " ").Replace("\n", " ").Trim();
            if (text.Length == 0) return "(empty body)";
            // Cut first, then redact again: a key cut in half by the cut is still a key.
            return text.Length <= 200 ? text : Secrets.Redact(text.Substring(0, 200), secret) + "...";
        }
    }
}
