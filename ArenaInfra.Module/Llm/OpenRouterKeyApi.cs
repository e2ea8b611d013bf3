using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Net.Http;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace ArenaInfra.Llm
{
    /// <summary>
    /// OpenRouter's key-provisioning API (/api/v1/keys), written from its published description: the
    /// only code that knows its JSON. Everything it returns is untrusted: a hash must be a plain token
    /// before it goes into a URL, numbers must be numbers within reason, and a made key's secret is
    /// kept out of every message.
    /// </summary>
    internal sealed class OpenRouterKeyApi : ILlmKeyApi
    {
        /// <summary>More pages than this is not a key list but a service that never says it is done.</summary>
        internal const int MaxPages = 1000;

        private static readonly Regex PlainToken = new Regex("^[A-Za-z0-9_-]{1,200}$", RegexOptions.CultureInvariant);

        private readonly LlmKeyOptions _options;
        private readonly KeyedApiHttp _http;

        public OpenRouterKeyApi(LlmKeyOptions options)
        {
            _options = options;
            _http = new KeyedApiHttp(options, LlmKeyOptions.Service);
        }

        public async Task<IReadOnlyList<LlmKeyRecord>> ListKeysAsync(CancellationToken cancellationToken)
        {
            var keys = new List<LlmKeyRecord>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var page = 0; page < MaxPages; page++)
            {
                var uri = _options.Keys($"?include_disabled=true&offset={keys.Count.ToString(CultureInfo.InvariantCulture)}");
                var answer = await _http.SendAsync("ListKeys", HttpMethod.Get, uri, null, safeToRepeat: true, cancellationToken).ConfigureAwait(false);
                var root = Json(Success("ListKeys", answer), "ListKeys");
                if (!(root["data"] is JArray data)) throw Invalid("ListKeys", "it has no 'data' list");
                if (data.Count == 0) return keys;
                foreach (var item in data)
                {
                    var record = Record(item, "ListKeys");
                    // A key seen twice means the list moved under us: the offsets no longer say what is whole.
                    if (!seen.Add(record.Hash)) throw Invalid("ListKeys", "a key came twice while paging (the list changed while it was read); try again");
                    keys.Add(record);
                }
            }
            throw Invalid("ListKeys", $"it did not end within {MaxPages} pages");
        }

        public async Task<LlmKeyCreated> CreateKeyAsync(string name, decimal limitUsd, CancellationToken cancellationToken)
        {
            var body = new JObject { ["name"] = name, ["limit"] = limitUsd }.ToString(Formatting.None);
            // Only a 429 is sent again: after a lost answer a second create could make a second key.
            var answer = await _http.SendAsync("CreateKey", HttpMethod.Post, _options.Keys(), body, safeToRepeat: false, cancellationToken).ConfigureAwait(false);
            var root = Json(Success("CreateKey", answer), "CreateKey");
            var record = Record(root["data"], "CreateKey");
            var secret = root["key"]?.Type == JTokenType.String ? (string)root["key"]! : null;
            if (secret == null || secret.Length == 0 || secret.Length > 512 || !IsOneToken(secret))
            {
                // The answer may hold a key after all: the message names the hash, so it can be revoked, and never the body.
                throw new ArenaException(ArenaErrorIds.InvalidResponse, ErrorCategory.InvalidResult,
                    $"OpenRouter made the key {TerminalText.SafeLine(record.Name)} ({record.Hash}) but its answer holds no usable key string.",
                    $"Revoke it: Remove-ArenaLlmKey -Hash {record.Hash} -Force; then make it again.");
            }
            return new LlmKeyCreated(record, secret);
        }

        public async Task<LlmKeyRecord?> GetKeyAsync(string hash, CancellationToken cancellationToken)
        {
            var answer = await _http.SendAsync("GetKey", HttpMethod.Get, _options.Keys("/" + CheckedHash(hash)), null, safeToRepeat: true, cancellationToken).ConfigureAwait(false);
            if (answer.Status == 404) return null;
            return Record(Json(Success("GetKey", answer), "GetKey")["data"], "GetKey");
        }

        public async Task<bool> DeleteKeyAsync(string hash, CancellationToken cancellationToken)
        {
            var answer = await _http.SendAsync("DeleteKey", HttpMethod.Delete, _options.Keys("/" + CheckedHash(hash)), null, safeToRepeat: true, cancellationToken).ConfigureAwait(false);
            if (answer.Status == 404) return false;
            var root = Json(Success("DeleteKey", answer), "DeleteKey");
            if (root["deleted"]?.Type != JTokenType.Boolean || !(bool)root["deleted"]!) throw Invalid("DeleteKey", "it does not say the key was deleted");
            return true;
        }

        private static string CheckedHash(string hash) => PlainToken.IsMatch(hash) ? hash : throw new ArenaException(ArenaErrorIds.InvalidArgument, ErrorCategory.InvalidArgument,
            $"'{TerminalText.SafeLine(hash)}' is not a key hash (letters, digits, '-' and '_').", "Take the hash from Get-ArenaLlmKey.");

        private string Success(string operation, ApiAnswer answer)
        {
            if (answer.Status >= 200 && answer.Status <= 299) return answer.Body;
            var said = ErrorMessage(answer.Body);
            var category = answer.Status == 401 || answer.Status == 403 ? ErrorCategory.AuthenticationError
                : answer.Status == 429 ? ErrorCategory.LimitsExceeded : ErrorCategory.InvalidResult;
            var advice = answer.Status == 401 || answer.Status == 403
                ? "Check the provisioning key (Set-ArenaApiKey -Service OpenRouter, or $env:OPENROUTER_PROVISIONING_KEY): it must be a provisioning key, not an ordinary API key."
                : answer.Status == 429 ? "OpenRouter limits how fast keys are managed; wait a minute and run the command again (a made key is left alone)." : "Try again later; if it persists, check OpenRouter's status page.";
            return ThrowError(new ArenaException(ArenaErrorIds.LlmApiError, category,
                $"OpenRouter refused {operation} (HTTP {answer.Status}){(said == null ? "" : ": " + said)}.", advice) { HttpStatus = answer.Status });
        }

        private static string ThrowError(ArenaException error) => throw error;

        /// <summary>OpenRouter's error body, {"error": {"code": 401, "message": "..."}}: the message only, one safe line, the provisioning key never in it.</summary>
        private string? ErrorMessage(string body)
        {
            try
            {
                var message = JObject.Parse(body)["error"]?["message"];
                if (message?.Type != JTokenType.String) return null;
                var text = TerminalText.SafeLine(Secrets.Redact((string)message!, _options.ProvisioningKey));
                return text.Length > 200 ? text.Substring(0, 200) + "..." : text;
            }
            catch (JsonException)
            {
                return null;
            }
        }

        private static JObject Json(string body, string operation)
        {
            try
            {
                using var reader = new JsonTextReader(new System.IO.StringReader(body)) { DateParseHandling = DateParseHandling.None, FloatParseHandling = FloatParseHandling.Decimal, MaxDepth = 16 };
                return JToken.ReadFrom(reader) as JObject ?? throw Invalid(operation, "it is not a JSON object");
            }
            catch (JsonException)
            {
                throw Invalid(operation, "it is not JSON");
            }
        }

        internal static LlmKeyRecord Record(JToken? token, string operation)
        {
            if (!(token is JObject o)) throw Invalid(operation, "a key is not an object");
            var hash = o["hash"]?.Type == JTokenType.String ? (string)o["hash"]! : null;
            if (hash == null || !PlainToken.IsMatch(hash)) throw Invalid(operation, "a key has no hash of plain letters and digits");
            return new LlmKeyRecord(hash, Text(o, "name", operation), Text(o, "label", operation), Amount(o, "limit", operation, nullable: true),
                Amount(o, "usage", operation, nullable: true) ?? 0m, Flag(o, "disabled", operation), Time(o, "created_at", operation));
        }

        private static string Text(JObject o, string field, string operation)
        {
            var token = o[field];
            if (token == null || token.Type == JTokenType.Null) return "";
            if (token.Type != JTokenType.String) throw Invalid(operation, $"a key's {field} is not text");
            var text = (string)token!;
            return text.Length > 500 ? throw Invalid(operation, $"a key's {field} is longer than 500 characters") : text;
        }

        private static decimal? Amount(JObject o, string field, string operation, bool nullable)
        {
            var token = o[field];
            if (token == null || token.Type == JTokenType.Null) return nullable ? (decimal?)null : throw Invalid(operation, $"a key has no {field}");
            if (token.Type != JTokenType.Integer && token.Type != JTokenType.Float) throw Invalid(operation, $"a key's {field} is not a number");
            decimal value;
            try
            {
                value = token.Value<decimal>();
            }
            catch (Exception e) when (e is OverflowException || e is FormatException || e is InvalidCastException)
            {
                throw Invalid(operation, $"a key's {field} is not a number within reason");
            }
            return value < -1_000_000_000m || value > 1_000_000_000m ? throw Invalid(operation, $"a key's {field} is not a number within reason") : value;
        }

        private static bool Flag(JObject o, string field, string operation)
        {
            var token = o[field];
            if (token == null || token.Type == JTokenType.Null) return false;
            return token.Type == JTokenType.Boolean ? (bool)token! : throw Invalid(operation, $"a key's {field} is not true or false");
        }

        private static DateTimeOffset? Time(JObject o, string field, string operation)
        {
            var text = Text(o, field, operation);
            if (text.Length == 0) return null;
            return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : throw Invalid(operation, $"a key's {field} is not a time");
        }

        private static bool IsOneToken(string text)
        {
            foreach (var c in text)
            {
                if (char.IsWhiteSpace(c) || char.IsControl(c) || c == '\'' || c == '"' || c == '\\') return false;
            }
            return true;
        }

        private static ArenaException Invalid(string operation, string why) => new ArenaException(ArenaErrorIds.InvalidResponse, ErrorCategory.InvalidResult,
            $"OpenRouter's answer to {operation} was not understood: {why}.", "Check OPENROUTER_API_URL (Get-ArenaConfig); if it is OpenRouter, its API may have changed.");
    }
}
