using System;
using System.Diagnostics;
using System.IO;
using System.Management.Automation;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace ArenaInfra.Vast
{
    /// <summary>An answer from Vast.ai, read whole within the cap.</summary>
    internal sealed class VastAnswer
    {
        public VastAnswer(int status, TimeSpan? retryAfter, string body)
        {
            Status = status;
            RetryAfter = retryAfter;
            Body = body;
        }

        public int Status { get; }
        public TimeSpan? RetryAfter { get; }
        public string Body { get; }
    }

    /// <summary>
    /// One request to Vast.ai as RunPodHttp and OpenRouterHttp make theirs: the key only in the
    /// Authorization header, no redirects, a deadline on every attempt (the body included, through
    /// CappedBody), a cap on what an answer may hold, and Polly retries within a budget: a 429 for any
    /// request (Vast did nothing), honouring Retry-After up to a cap; a gateway error, a timeout or a
    /// dropped connection only for what is safe to send again. A rent is never sent again on those.
    /// </summary>
    internal sealed class VastHttp
    {
        private static readonly HttpClient SharedClient = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };

        /// <summary>The most an answer may hold; an instance list page or 64 offers are a few hundred KB.</summary>
        public const int MaxResponseBytes = 8 * 1024 * 1024;

        private readonly VastOptions _options;
        private readonly HttpClient _http;

        public VastHttp(VastOptions options)
        {
            _options = options;
            _http = options.Handler == null ? SharedClient : new HttpClient(options.Handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        }

        public async Task<VastAnswer> SendAsync(string operation, HttpMethod method, Uri uri, string? jsonBody, bool safeToRepeat, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            var attempts = 0;
            string? lastProblem = null;
            var builder = new ResiliencePipelineBuilder<VastAnswer>();
            var budget = _options.RetryBudget;
            if (budget > TimeSpan.Zero && _options.MaxRetryAttempts > 0)
            {
                builder.AddTimeout(budget);
                builder.AddRetry(new RetryStrategyOptions<VastAnswer>
                {
                    MaxRetryAttempts = _options.MaxRetryAttempts,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = _options.RetryBaseDelay,
                    MaxDelay = _options.RetryMaxDelay,
                    ShouldHandle = args => new ValueTask<bool>(ShouldRetry(safeToRepeat, args.Outcome, clock.Elapsed, budget, _options.RetryMaxDelay)),
                    DelayGenerator = args => new ValueTask<TimeSpan?>(args.Outcome.Result?.RetryAfter is TimeSpan wait ? Min(wait, _options.RetryMaxDelay) : (TimeSpan?)null),
                    OnRetry = args =>
                    {
                        var reason = args.Outcome.Result != null ? $"HTTP {args.Outcome.Result.Status}" : lastProblem ?? "an error";
                        _options.Log.Verbose($"Vast.ai {operation}: {reason}; retrying in {args.RetryDelay.TotalSeconds:0.0} s (retry {args.AttemptNumber + 1} of {_options.MaxRetryAttempts}).");
                        return default;
                    },
                });
            }
            builder.AddTimeout(new TimeoutStrategyOptions
            {
                Timeout = _options.RequestTimeout,
                OnTimeout = _ =>
                {
                    lastProblem = $"no answer within {_options.RequestTimeout.TotalSeconds:0.#} s";
                    return default;
                },
            });
            try
            {
                var answer = await builder.Build().ExecuteAsync(async token =>
                {
                    attempts++;
                    try
                    {
                        return await SendOnceAsync(operation, method, uri, jsonBody, attempts, token).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is HttpRequestException || e is IOException)
                    {
                        lastProblem = $"connection failed ({Innermost(e)})";
                        throw;
                    }
                }, cancellationToken).ConfigureAwait(false);
                if (answer.Status >= 300 && answer.Status <= 399)
                {
                    throw new ArenaException(ArenaErrorIds.ApiError, ErrorCategory.InvalidResult,
                        $"Vast.ai answered {operation} with a redirect (HTTP {answer.Status}); it was not followed, so the API key went nowhere else.",
                        "Check VAST_API_URL (Get-ArenaConfig).") { HttpStatus = answer.Status };
                }
                return answer;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e) when (e is TimeoutRejectedException || e is HttpRequestException || e is OperationCanceledException || e is IOException)
            {
                throw new ArenaException(ArenaErrorIds.ApiUnreachable,
                    e is TimeoutRejectedException ? ErrorCategory.OperationTimeout : ErrorCategory.ConnectionError,
                    $"Vast.ai did not answer {operation} at {uri.GetLeftPart(UriPartial.Authority)}: {lastProblem ?? Innermost(e)} ({attempts} attempt(s) in {clock.Elapsed.TotalSeconds:0.#} s).",
                    "Check the network and VAST_API_URL (Get-ArenaConfig); raise RUNPOD_API_TIMEOUT_SEC on a slow link.", e);
            }
        }

        private async Task<VastAnswer> SendOnceAsync(string operation, HttpMethod method, Uri uri, string? jsonBody, int attempt, CancellationToken token)
        {
            _options.Log.Verbose($"Vast.ai {operation}: {method} {uri.GetLeftPart(UriPartial.Path)} (attempt {attempt})");
            using var message = new HttpRequestMessage(method, uri);
            if (jsonBody != null) message.Content = new StringContent(jsonBody, Encoding.UTF8, "application/json");
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.ApiKey);
            message.Headers.TryAddWithoutValidation("User-Agent", _options.UserAgent);
            message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
            var body = await CappedBody.ReadAsync(response, MaxResponseBytes, token).ConfigureAwait(false)
                ?? throw new ArenaException(ArenaErrorIds.InvalidResponse, ErrorCategory.InvalidResult,
                    $"Vast.ai's answer to {operation} is larger than {MaxResponseBytes / (1024 * 1024)} MB; it was not read further.",
                    "Check VAST_API_URL (Get-ArenaConfig): something other than Vast.ai may be answering.");
            _options.Log.Debug($"Vast.ai {operation}: HTTP {(int)response.StatusCode}, {body.Length} characters");
            return new VastAnswer((int)response.StatusCode, RetryAfter.Of(response), body);
        }

        /// <summary>A 429 is sent again whatever the request; the rest only when sending twice is harmless. A wait past the budget ends it now.</summary>
        internal static bool ShouldRetry(bool safeToRepeat, Outcome<VastAnswer> outcome, TimeSpan elapsed, TimeSpan budget, TimeSpan maxDelay)
        {
            if (outcome.Exception != null)
            {
                return safeToRepeat && (outcome.Exception is HttpRequestException || outcome.Exception is TimeoutRejectedException || outcome.Exception is IOException);
            }
            var answer = outcome.Result!;
            var retriable = answer.Status == 429 || (safeToRepeat && (answer.Status == 502 || answer.Status == 503 || answer.Status == 504));
            if (!retriable) return false;
            return answer.RetryAfter == null || elapsed + Min(answer.RetryAfter.Value, maxDelay) < budget;
        }

        private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

        private static string Innermost(Exception e)
        {
            while (e.InnerException != null) e = e.InnerException;
            return e.Message.TrimEnd('.');
        }
    }
}
