using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace ArenaInfra.RunPod.GraphQl
{
    /// <summary>
    /// Sends GraphQL documents to RunPod (deprecated; kept until RunPod retires it): values only as
    /// variables, and GraphQL's errors-with-HTTP-200 read before the data.
    /// </summary>
    internal sealed class GraphQlTransport
    {
        private readonly RunPodHttp _http;

        public GraphQlTransport(RunPodHttp http) => _http = http;

        /// <summary>Sends one operation and returns its 'data' object, or throws an ArenaException.</summary>
        public async Task<JObject> SendAsync(string operation, string query, object? variables, RequestKind kind, CancellationToken cancellationToken)
        {
            var options = _http.Options;
            options.Log.Debug($"RunPod {operation} variables: {Secrets.Redact(JsonConvert.SerializeObject(variables ?? new object()), options.ApiKey)}");
            var request = new RunPodHttpRequest(operation, HttpMethod.Post, options.GraphQlEndpoint, kind)
            {
                JsonBody = JsonConvert.SerializeObject(new { query, variables = variables ?? new object(), operationName = operation }),
            };
            var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            return Interpret(operation, response, options.ApiKey);
        }

        private static JObject Interpret(string operation, RawResponse response, string secret)
        {
            var status = response.StatusCode;
            if (status == 429)
            {
                var limited = RunPodErrors.RateLimited(operation, 1, null);
                limited.HttpStatus = 429;
                throw limited;
            }
            if (status < 200 || status > 299)
            {
                throw RunPodErrors.FromHttpStatus(operation, status, response.Body, secret);
            }

            JObject root;
            try
            {
                root = RunPodJson.ParseObject(response.Body);
            }
            catch (JsonException)
            {
                throw RunPodErrors.InvalidResponse(operation, status, response.Body, secret, "is not valid JSON");
            }

            // GraphQL reports errors with HTTP 200: check them before the data.
            if (root["errors"] is JArray errors && errors.Count > 0)
            {
                var (message, code) = RunPodErrors.FirstError(errors, secret);
                // An error that came with a 2xx, as REST's error bodies do: an action settles it by reading the pod.
                var error = RunPodErrors.FromGraphQlErrors(operation, message, code);
                error.HttpStatus = status;
                throw error;
            }
            if (!(root["data"] is JObject data))
            {
                throw RunPodErrors.InvalidResponse(operation, status, response.Body, secret, "has no 'data' object");
            }
            return data;
        }
    }

    internal static class RunPodJson
    {
        /// <summary>A JSON object, dates left as text (RunPod's forms vary) and nesting bounded.</summary>
        public static JObject ParseObject(string text)
        {
            using var reader = new JsonTextReader(new System.IO.StringReader(text)) { DateParseHandling = DateParseHandling.None, MaxDepth = 64 };
            var root = JToken.ReadFrom(reader);
            return root as JObject ?? throw new JsonReaderException("the answer is not a JSON object");
        }

        /// <summary>
        /// A wire object read field by field: a field that does not fit its type (a number out of range, an
        /// object where a number belongs) is left empty and its path added to problems, so one odd pod never
        /// fails a whole list.
        /// </summary>
        public static T ReadLenient<T>(JToken token, ICollection<string> problems) where T : class, new()
        {
            // Create, not CreateDefault: another module's global JsonConvert.DefaultSettings must not change how RunPod is read.
            var serializer = JsonSerializer.Create(new JsonSerializerSettings { DateParseHandling = DateParseHandling.None, MaxDepth = 64 });
            var prefix = token.Path.Length == 0 ? "" : token.Path + ".";
            serializer.Error += (_, e) =>
            {
                // Raised once for each object the error passes through: the innermost names the field.
                if (e.CurrentObject == e.ErrorContext.OriginalObject)
                {
                    var path = e.ErrorContext.Path ?? "a field";
                    if (prefix.Length > 0 && path.StartsWith(prefix, StringComparison.Ordinal)) path = path.Substring(prefix.Length);
                    problems.Add(UntrustedValue.Printable(path));
                }
                e.ErrorContext.Handled = true;
            };
            return token.ToObject<T>(serializer) ?? new T();
        }
    }
}
