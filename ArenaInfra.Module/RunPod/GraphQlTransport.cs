using System;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace ArenaInfra.RunPod
{
    /// <summary>Whether a request may be repeated. A create is never repeated blindly: it could buy a second pod.</summary>
    internal enum RequestKind
    {
        Read,
        Write,
    }

    /// <summary>
    /// Sends GraphQL documents to RunPod: the key only in the Authorization header, values only as
    /// variables, a timeout on every attempt, and retries with jittered backoff for reads.
    /// </summary>
    internal sealed class GraphQlTransport
    {
        // One client for the process: HttpClient is meant to be shared, and sockets are reused.
        private static readonly HttpClient SharedClient = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };

        private readonly RunPodClientOptions _options;
        private readonly HttpClient _http;
        private readonly RequestPacer _pacer;

        public GraphQlTransport(RunPodClientOptions options)
        {
            _options = options;
            _http = options.Handler == null ? SharedClient : new HttpClient(options.Handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
            _pacer = RequestPacer.For(options.Endpoint, options.RequestsPerSecond);
        }

        /// <summary>Sends one operation and returns its 'data' object, or throws an ArenaException.</summary>
        public async Task<JObject> SendAsync(string operation, string query, object? variables, RequestKind kind, CancellationToken cancellationToken)
        {
            var body = JsonConvert.SerializeObject(new { query, variables = variables ?? new object(), operationName = operation });
            _options.Log.Debug($"RunPod {operation} variables: {Secrets.Redact(JsonConvert.SerializeObject(variables ?? new object()), _options.ApiKey)}");

            var attempts = new AttemptLog();
            var clock = Stopwatch.StartNew();
            RawResponse response;
            try
            {
                var pipeline = BuildPipeline(operation, kind, attempts, clock);
                response = await pipeline.ExecuteAsync(
                    async token => await SendOnceAsync(operation, body, attempts, token).ConfigureAwait(false),
                    cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e) when (e is TimeoutRejectedException || e is HttpRequestException || e is OperationCanceledException)
            {
                if (attempts.LastStatus == 429)
                {
                    throw RunPodErrors.RateLimited(operation, attempts.Count, clock.Elapsed);
                }
                throw new ArenaException(ArenaErrorIds.ApiUnreachable,
                    e is TimeoutRejectedException ? ErrorCategory.OperationTimeout : ErrorCategory.ConnectionError,
                    $"RunPod did not answer {operation} at {_options.Endpoint.GetLeftPart(UriPartial.Authority)}: {attempts.LastProblem ?? Describe(e)} " +
                    $"({attempts.Count} attempt(s) in {clock.Elapsed.TotalSeconds:0.#} s).",
                    "Check the network and ApiBaseUrl (Get-ArenaConfig); raise RUNPOD_API_TIMEOUT_SEC on a slow link.", e);
            }

            return Interpret(operation, response, attempts, clock.Elapsed);
        }

        private JObject Interpret(string operation, RawResponse response, AttemptLog attempts, TimeSpan elapsed)
        {
            var status = (int)response.Status;
            if (status == 429)
            {
                var limited = RunPodErrors.RateLimited(operation, attempts.Count, elapsed);
                limited.HttpStatus = 429;
                throw limited;
            }
            if (status < 200 || status > 299)
            {
                throw RunPodErrors.FromHttpStatus(operation, status, response.Body, _options.ApiKey);
            }

            JObject root;
            try
            {
                using var reader = new JsonTextReader(new System.IO.StringReader(response.Body)) { DateParseHandling = DateParseHandling.None };
                root = JObject.Load(reader);
            }
            catch (JsonException)
            {
                throw RunPodErrors.InvalidResponse(operation, status, response.Body, _options.ApiKey, "is not valid JSON");
            }

            // GraphQL reports errors with HTTP 200: check them before the data.
            if (root["errors"] is JArray errors && errors.Count > 0)
            {
                var (message, code) = RunPodErrors.FirstError(errors, _options.ApiKey);
                throw RunPodErrors.FromGraphQlErrors(operation, message, code);
            }
            if (!(root["data"] is JObject data))
            {
                throw RunPodErrors.InvalidResponse(operation, status, response.Body, _options.ApiKey, "has no 'data' object");
            }
            return data;
        }

        private async Task<RawResponse> SendOnceAsync(string operation, string body, AttemptLog attempts, CancellationToken token)
        {
            // Every attempt, retries included, keeps to the client-side rate limit shared by all requests to this API.
            await _pacer.WaitAsync(token).ConfigureAwait(false);
            var attempt = attempts.Start();
            _options.Log.Verbose($"RunPod {operation}: POST {_options.Endpoint} (attempt {attempt})");
            using var request = new HttpRequestMessage(HttpMethod.Post, _options.Endpoint)
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.ApiKey);
            request.Headers.TryAddWithoutValidation("User-Agent", _options.UserAgent);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

            var started = Stopwatch.StartNew();
            try
            {
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
                var text = response.Content == null ? "" : await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                _options.Log.Debug($"RunPod {operation}: HTTP {(int)response.StatusCode}, {text.Length} characters in {started.ElapsedMilliseconds} ms");
                var raw = new RawResponse(response.StatusCode, RetryAfterOf(response), text);
                attempts.Finish(raw);
                return raw;
            }
            catch (HttpRequestException e)
            {
                attempts.Fail($"connection failed ({Describe(e)})");
                throw;
            }
            catch (OperationCanceledException) when (!token.IsCancellationRequested)
            {
                attempts.Fail("connection failed");
                throw;
            }
        }

        private ResiliencePipeline<RawResponse> BuildPipeline(string operation, RequestKind kind, AttemptLog attempts, Stopwatch clock)
        {
            var builder = new ResiliencePipelineBuilder<RawResponse>();
            var budget = _options.RetryBudget;
            if (kind == RequestKind.Read && budget > TimeSpan.Zero && _options.MaxRetryAttempts > 0)
            {
                // The whole read, waits included, ends within the budget; what the last attempt met is kept for the error.
                builder.AddTimeout(budget);
                builder.AddRetry(new RetryStrategyOptions<RawResponse>
                {
                    MaxRetryAttempts = _options.MaxRetryAttempts,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = _options.RetryBaseDelay,
                    MaxDelay = _options.RetryMaxDelay,
                    ShouldHandle = args => new ValueTask<bool>(ShouldRetry(args.Outcome, clock, budget)),
                    DelayGenerator = args => new ValueTask<TimeSpan?>(args.Outcome.Result?.RetryAfter),
                    OnRetry = args =>
                    {
                        var reason = args.Outcome.Result != null ? $"HTTP {(int)args.Outcome.Result.Status}" : attempts.LastProblem ?? "an error";
                        var honoured = args.Outcome.Result?.RetryAfter != null ? " as Retry-After asks" : "";
                        _options.Log.Verbose($"RunPod {operation}: {reason}; retrying in {args.RetryDelay.TotalSeconds:0.0} s{honoured} (retry {args.AttemptNumber + 1} of {_options.MaxRetryAttempts}).");
                        return default;
                    },
                });
            }
            builder.AddTimeout(new TimeoutStrategyOptions
            {
                Timeout = _options.RequestTimeout,
                OnTimeout = _ =>
                {
                    attempts.Fail($"no answer within {_options.RequestTimeout.TotalSeconds:0.#} s");
                    return default;
                },
            });
            return builder.Build();
        }

        private static bool ShouldRetry(Outcome<RawResponse> outcome, Stopwatch clock, TimeSpan budget)
        {
            if (outcome.Exception != null)
            {
                return outcome.Exception is HttpRequestException || outcome.Exception is TimeoutRejectedException;
            }
            var response = outcome.Result!;
            var status = (int)response.Status;
            if (status != 429 && status != 502 && status != 503 && status != 504) return false;
            // A Retry-After beyond what is left of the budget cannot be honoured: give up now, not later.
            return response.RetryAfter == null || clock.Elapsed + response.RetryAfter.Value < budget;
        }

        private static TimeSpan? RetryAfterOf(HttpResponseMessage response)
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

        private static string Describe(Exception e)
        {
            var inner = e;
            while (inner.InnerException != null) inner = inner.InnerException;
            return inner.Message.TrimEnd('.');
        }

        internal sealed class RawResponse
        {
            public RawResponse(HttpStatusCode status, TimeSpan? retryAfter, string body)
            {
                Status = status;
                RetryAfter = retryAfter;
                Body = body;
            }

            public HttpStatusCode Status { get; }
            public TimeSpan? RetryAfter { get; }
            public string Body { get; }
        }

        /// <summary>What happened to each attempt of one request, for the final error message.</summary>
        private sealed class AttemptLog
        {
            private int _count;
            public int Count => _count;
            public int? LastStatus { get; private set; }
            public string? LastProblem { get; private set; }

            public int Start() => Interlocked.Increment(ref _count);

            public void Finish(RawResponse response)
            {
                LastStatus = (int)response.Status;
                LastProblem = $"HTTP {LastStatus.Value.ToString(CultureInfo.InvariantCulture)}";
            }

            public void Fail(string problem)
            {
                LastStatus = null;
                LastProblem = problem;
            }
        }
    }
}
