using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using ArenaInfra.Common;

namespace ArenaInfra.RunPod
{
    /// <summary>What a request may do again when it fails.</summary>
    internal enum RequestKind
    {
        /// <summary>A read: repeated on 429, 502, 503, 504, timeouts and dropped connections.</summary>
        Read,
        /// <summary>A create: repeated only on 429 (refused at the door); anything else could buy a second pod.</summary>
        Create,
        /// <summary>A state change (stop, start, terminate): repeated only on 429; the caller decides the rest.</summary>
        Action,
    }

    /// <summary>One HTTP request to RunPod, as either backend makes it.</summary>
    internal sealed class RunPodHttpRequest
    {
        public RunPodHttpRequest(string operation, HttpMethod method, Uri uri, RequestKind kind)
        {
            Operation = operation;
            Method = method;
            Uri = uri;
            Kind = kind;
        }

        /// <summary>What the request does, for messages: "ListPods", "CreatePod", ...</summary>
        public string Operation { get; }
        public HttpMethod Method { get; }
        public Uri Uri { get; }
        public RequestKind Kind { get; }
        /// <summary>A JSON body, or null for none.</summary>
        public string? JsonBody { get; set; }
        public string Accept { get; set; } = "application/json";
    }

    internal sealed class RawResponse
    {
        public RawResponse(HttpStatusCode status, TimeSpan? retryAfter, string body, string? contentType, string? location = null)
        {
            Status = status;
            RetryAfter = retryAfter;
            Body = body;
            ContentType = contentType;
            Location = location;
        }

        public HttpStatusCode Status { get; }
        public TimeSpan? RetryAfter { get; }
        public string Body { get; }
        public string? ContentType { get; }
        /// <summary>A redirect's Location header, as sent.</summary>
        public string? Location { get; }
        public int StatusCode => (int)Status;
    }

    /// <summary>
    /// What both backends share below their own JSON: the key only in the Authorization header, a
    /// User-Agent, a deadline on every attempt (reading the body included), a cap on what an answer
    /// may hold, pacing (our own rate, and RunPod's RateLimit header when a window runs out), and
    /// retries with jittered backoff that honour Retry-After. Returns the last answer, or throws
    /// ApiUnreachable / RateLimited when there is none worth interpreting.
    /// </summary>
    internal sealed class RunPodHttp
    {
        // One client for the process: HttpClient is meant to be shared, and sockets are reused. It never
        // follows a redirect: .NET would turn a POST into a GET of the new address, and the key would go
        // wherever the Location points. A redirect is reported instead (RunPodErrors.Redirected).
        private static readonly HttpClient SharedClient = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };

        /// <summary>The client for these options: the shared one, or one over the tests' handler.</summary>
        internal static HttpClient ClientFor(RunPodClientOptions options) =>
            options.Handler == null ? SharedClient : new HttpClient(options.Handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };

        /// <summary>The most an answer may hold; RunPod's largest (a fleet's pod list) is far below it.</summary>
        public const int MaxResponseBytes = 16 * 1024 * 1024;

        private readonly RunPodClientOptions _options;
        private readonly HttpClient _http;
        private readonly RequestPacer _pacer;

        public RunPodHttp(RunPodClientOptions options)
        {
            _options = options;
            _http = ClientFor(options);
            _pacer = RequestPacer.For(options.BaseUri, options.RequestsPerSecond);
        }

        public RunPodClientOptions Options => _options;

        public async Task<RawResponse> SendAsync(RunPodHttpRequest request, CancellationToken cancellationToken)
        {
            var attempts = new AttemptLog();
            var clock = Stopwatch.StartNew();
            try
            {
                var pipeline = BuildPipeline(request, attempts, clock);
                var response = await pipeline.ExecuteAsync(
                    async token => await SendOnceAsync(request, attempts, token).ConfigureAwait(false),
                    cancellationToken).ConfigureAwait(false);
                if (response.StatusCode >= 300 && response.StatusCode <= 399) throw RunPodErrors.Redirected(request.Operation, response.StatusCode, response.Location, _options.ApiKey);
                return response;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e) when (e is TimeoutRejectedException || e is HttpRequestException || e is OperationCanceledException || e is IOException)
            {
                if (attempts.LastStatus == 429) throw RunPodErrors.RateLimited(request.Operation, attempts.Count, clock.Elapsed);
                throw new ArenaException(ArenaErrorIds.ApiUnreachable,
                    e is TimeoutRejectedException ? ErrorCategory.OperationTimeout : ErrorCategory.ConnectionError,
                    $"RunPod did not answer {request.Operation} at {request.Uri.GetLeftPart(UriPartial.Authority)}: {attempts.LastProblem ?? Describe(e)} " +
                    $"({attempts.Count} attempt(s) in {clock.Elapsed.TotalSeconds:0.#} s).",
                    "Check the network and ApiBaseUrl (Get-ArenaConfig); raise RUNPOD_API_TIMEOUT_SEC on a slow link.", e);
            }
        }

        private async Task<RawResponse> SendOnceAsync(RunPodHttpRequest request, AttemptLog attempts, CancellationToken token)
        {
            // Every attempt, retries included, keeps to the pacing shared by all requests to this API.
            await _pacer.WaitAsync(token).ConfigureAwait(false);
            var attempt = attempts.Start();
            _options.Log.Verbose($"RunPod {request.Operation}: {request.Method} {request.Uri.GetLeftPart(UriPartial.Path)} (attempt {attempt})");
            using var message = new HttpRequestMessage(request.Method, request.Uri);
            if (request.JsonBody != null) message.Content = new StringContent(request.JsonBody, Encoding.UTF8, "application/json");
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.ApiKey);
            message.Headers.TryAddWithoutValidation("User-Agent", _options.UserAgent);
            message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(request.Accept));

            var started = Stopwatch.StartNew();
            try
            {
                using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
                var text = await ReadCappedAsync(response, request.Operation, token).ConfigureAwait(false);
                _options.Log.Debug($"RunPod {request.Operation}: HTTP {(int)response.StatusCode}, {text.Length} characters in {started.ElapsedMilliseconds} ms");
                ObserveRateLimit(response, request.Operation);
                var raw = new RawResponse(response.StatusCode, RetryAfter.Of(response), text, response.Content?.Headers.ContentType?.MediaType, response.Headers.Location?.OriginalString);
                attempts.Finish(raw);
                return raw;
            }
            catch (HttpRequestException e)
            {
                attempts.Fail($"connection failed ({Describe(e)})");
                throw;
            }
            catch (IOException e)
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

        /// <summary>Reads the body as it arrives, observing the deadline, and refuses one larger than the cap.</summary>
        private static async Task<string> ReadCappedAsync(HttpResponseMessage response, string operation, CancellationToken token) =>
            await CappedBody.ReadAsync(response, MaxResponseBytes, token).ConfigureAwait(false)
            ?? throw new ArenaException(ArenaErrorIds.InvalidResponse, ErrorCategory.InvalidResult,
                $"RunPod's answer to {operation} is larger than {MaxResponseBytes / (1024 * 1024)} MB; it was not read further.",
                "Check ApiBaseUrl (Get-ArenaConfig): something other than RunPod may be answering.");

        /// <summary>RunPod's RateLimit header: when a window has no request left, nobody sends until it resets.</summary>
        private void ObserveRateLimit(HttpResponseMessage response, string operation)
        {
            if (!response.Headers.TryGetValues("RateLimit", out var values)) return;
            var wait = RateLimitHeader.WaitBeforeNext(string.Join(", ", values));
            if (wait is TimeSpan hold && hold > TimeSpan.Zero)
            {
                _options.Log.Verbose($"RunPod {operation}: the rate-limit window is used up; the next request waits {hold.TotalSeconds:0.#} s for it to reset.");
                _pacer.HoldFor(hold);
            }
        }

        private int _toldUnreachable;

        private ResiliencePipeline<RawResponse> BuildPipeline(RunPodHttpRequest request, AttemptLog attempts, Stopwatch clock)
        {
            var builder = new ResiliencePipelineBuilder<RawResponse>();
            var budget = _options.RetryWindow;
            if (budget > TimeSpan.Zero && _options.MaxRetryAttempts > 0)
            {
                // The whole request, waits included, ends within the budget; what the last attempt met is kept for the error.
                builder.AddTimeout(budget);
                builder.AddRetry(new RetryStrategyOptions<RawResponse>
                {
                    MaxRetryAttempts = _options.MaxRetryAttempts,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = _options.RetryBaseDelay,
                    MaxDelay = _options.RetryMaxDelay,
                    ShouldHandle = args => new ValueTask<bool>(ShouldRetry(request.Kind, args.Outcome, clock, budget)),
                    DelayGenerator = args => new ValueTask<TimeSpan?>(args.Outcome.Result?.RetryAfter),
                    OnRetry = args =>
                    {
                        var reason = args.Outcome.Result != null ? $"HTTP {args.Outcome.Result.StatusCode}" : attempts.LastProblem ?? "an error";
                        var honoured = args.Outcome.Result?.RetryAfter != null ? " as Retry-After asks" : "";
                        // No network is worth saying at the first failure, once a command, not after the last retry.
                        if (args.Outcome.Exception != null && Interlocked.Exchange(ref _toldUnreachable, 1) == 0)
                        {
                            _options.Log.Warning($"RunPod does not answer at {request.Uri.GetLeftPart(UriPartial.Authority)} ({reason}); {_options.RetryPromise}. -Verbose shows each attempt.");
                        }
                        _options.Log.Verbose($"RunPod {request.Operation}: {reason}; retrying in {args.RetryDelay.TotalSeconds:0.0} s{honoured} (retry {args.AttemptNumber + 1} of {_options.MaxRetryAttempts}).");
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

        /// <summary>
        /// A 429 means nothing was done, so any request may be sent again; a gateway error, a timeout or
        /// a dropped connection leaves a create or an action in doubt, so only reads are repeated here.
        /// </summary>
        internal static bool ShouldRetry(RequestKind kind, Outcome<RawResponse> outcome, Stopwatch clock, TimeSpan budget)
        {
            if (outcome.Exception != null)
            {
                return kind == RequestKind.Read && (outcome.Exception is HttpRequestException || outcome.Exception is TimeoutRejectedException || outcome.Exception is IOException);
            }
            var response = outcome.Result!;
            var status = response.StatusCode;
            var retriable = status == 429 || (kind == RequestKind.Read && (status == 502 || status == 503 || status == 504));
            if (!retriable) return false;
            // A Retry-After beyond what is left of the budget cannot be honoured: give up now, not later.
            return response.RetryAfter == null || clock.Elapsed + response.RetryAfter.Value < budget;
        }

        internal static string Describe(Exception e)
        {
            var inner = e;
            while (inner.InnerException != null) inner = inner.InnerException;
            return inner.Message.TrimEnd('.');
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
                LastStatus = response.StatusCode;
                LastProblem = $"HTTP {response.StatusCode.ToString(CultureInfo.InvariantCulture)}";
            }

            public void Fail(string problem)
            {
                LastStatus = null;
                LastProblem = problem;
            }
        }
    }

    /// <summary>RunPod's RateLimit header: one member a window, '"minute";r=0;t=12, "hour";r=2800;t=1812'.</summary>
    internal static class RateLimitHeader
    {
        /// <summary>How long to wait before the next request: the longest reset of a window with nothing left; null when none is used up.</summary>
        public static TimeSpan? WaitBeforeNext(string header)
        {
            TimeSpan? wait = null;
            foreach (var member in header.Split(','))
            {
                int? remaining = null;
                double? reset = null;
                foreach (var part in member.Split(';').Skip(1))
                {
                    var pair = part.Split(new[] { '=' }, 2);
                    if (pair.Length != 2) continue;
                    var key = pair[0].Trim();
                    if (key == "r" && int.TryParse(pair[1].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var r)) remaining = r;
                    if (key == "t" && double.TryParse(pair[1].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var t)) reset = t;
                }
                if (remaining == 0 && reset is double seconds && seconds > 0)
                {
                    // A hostile or broken header must not stop us for a day: an hour at most.
                    var hold = TimeSpan.FromSeconds(Math.Min(seconds, 3600));
                    if (wait == null || hold > wait) wait = hold;
                }
            }
            return wait;
        }
    }
}
