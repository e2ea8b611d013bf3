using System;
using System.Diagnostics;
using System.IO;
using System.Management.Automation;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace ArenaInfra.Common
{
    /// <summary>An answer from a keyed API, read whole within the cap.</summary>
    internal sealed class ApiAnswer
    {
        public ApiAnswer(int status, TimeSpan? retryAfter, string body)
        {
            Status = status;
            RetryAfter = retryAfter;
            Body = body;
        }

        public int Status { get; }
        public TimeSpan? RetryAfter { get; }
        public string Body { get; }
    }

    /// <summary>Who a keyed API is, for what its messages say: its name, its setting, its key, its error ids and its answers' cap.</summary>
    internal sealed class KeyedApiService
    {
        public KeyedApiService(string name, string urlSetting, string keyNoun, string errorId, string unreachableId, int maxResponseBytes)
        {
            Name = name;
            UrlSetting = urlSetting;
            KeyNoun = keyNoun;
            ErrorId = errorId;
            UnreachableId = unreachableId;
            MaxResponseBytes = maxResponseBytes;
        }

        /// <summary>As messages name it ("OpenRouter", "Vast.ai").</summary>
        public string Name { get; }
        /// <summary>The config key of its address, named in the advice.</summary>
        public string UrlSetting { get; }
        /// <summary>What the key is called ("provisioning key", "API key").</summary>
        public string KeyNoun { get; }
        public string ErrorId { get; }
        public string UnreachableId { get; }
        public int MaxResponseBytes { get; }
    }

    /// <summary>
    /// One request to a keyed API as RunPodHttp makes one to RunPod: the key only in the Authorization
    /// header, no redirects, a deadline on every attempt (the body included, through CappedBody), a cap
    /// on what an answer may hold, and Polly retries within a budget: a 429 for any request (nothing was
    /// done), honouring Retry-After up to a cap; a gateway error, a timeout or a dropped connection only
    /// for what is safe to send again (reads, and what is the same done twice). A create is never sent
    /// again on those: the caller says which requests are safe.
    /// </summary>
    internal sealed class KeyedApiHttp
    {
        private static readonly HttpClient SharedClient = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };

        private readonly KeyedApiOptions _options;
        private readonly KeyedApiService _service;
        private readonly HttpClient _http;

        public KeyedApiHttp(KeyedApiOptions options, KeyedApiService service)
        {
            _options = options;
            _service = service;
            _http = options.Handler == null ? SharedClient : new HttpClient(options.Handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        }

        public async Task<ApiAnswer> SendAsync(string operation, HttpMethod method, Uri uri, string? jsonBody, bool safeToRepeat, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            var attempts = 0;
            string? lastProblem = null;
            var builder = new ResiliencePipelineBuilder<ApiAnswer>();
            var budget = _options.RetryBudget;
            if (budget > TimeSpan.Zero && _options.MaxRetryAttempts > 0)
            {
                builder.AddTimeout(budget);
                builder.AddRetry(new RetryStrategyOptions<ApiAnswer>
                {
                    MaxRetryAttempts = _options.MaxRetryAttempts,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = _options.RetryBaseDelay,
                    MaxDelay = _options.RetryMaxDelay,
                    ShouldHandle = args => new ValueTask<bool>(ShouldRetry(safeToRepeat, args.Outcome, clock.Elapsed, budget, _options.RetryMaxDelay)),
                    DelayGenerator = args => new ValueTask<TimeSpan?>(args.Outcome.Result?.RetryAfter),
                    OnRetry = args =>
                    {
                        var reason = args.Outcome.Result != null ? $"HTTP {args.Outcome.Result.Status}" : lastProblem ?? "an error";
                        _options.Log.Verbose($"{_service.Name} {operation}: {reason}; retrying in {args.RetryDelay.TotalSeconds:0.0} s (retry {args.AttemptNumber + 1} of {_options.MaxRetryAttempts}).");
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
                    throw new ArenaException(_service.ErrorId, ErrorCategory.InvalidResult,
                        $"{_service.Name} answered {operation} with a redirect (HTTP {answer.Status}); it was not followed, so the {_service.KeyNoun} went nowhere else.",
                        $"Check {_service.UrlSetting} (Get-ArenaConfig).") { HttpStatus = answer.Status };
                }
                return answer;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e) when (e is TimeoutRejectedException || e is HttpRequestException || e is OperationCanceledException || e is IOException)
            {
                // The service's own id, taken from ArenaErrorIds where the service is described.
                var id = _service.UnreachableId;
                throw new ArenaException(id,
                    e is TimeoutRejectedException ? ErrorCategory.OperationTimeout : ErrorCategory.ConnectionError,
                    $"{_service.Name} did not answer {operation} at {uri.GetLeftPart(UriPartial.Authority)}: {lastProblem ?? Innermost(e)} ({attempts} attempt(s) in {clock.Elapsed.TotalSeconds:0.#} s).",
                    $"Check the network and {_service.UrlSetting} (Get-ArenaConfig); raise RUNPOD_API_TIMEOUT_SEC on a slow link.", e);
            }
        }

        private async Task<ApiAnswer> SendOnceAsync(string operation, HttpMethod method, Uri uri, string? jsonBody, int attempt, CancellationToken token)
        {
            _options.Log.Verbose($"{_service.Name} {operation}: {method} {uri.GetLeftPart(UriPartial.Path)} (attempt {attempt})");
            using var message = new HttpRequestMessage(method, uri);
            if (jsonBody != null) message.Content = new StringContent(jsonBody, Encoding.UTF8, "application/json");
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.Key);
            message.Headers.TryAddWithoutValidation("User-Agent", _options.UserAgent);
            message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
            var body = await CappedBody.ReadAsync(response, _service.MaxResponseBytes, token).ConfigureAwait(false)
                ?? throw new ArenaException(ArenaErrorIds.InvalidResponse, ErrorCategory.InvalidResult,
                    $"{_service.Name}'s answer to {operation} is larger than {_service.MaxResponseBytes / (1024 * 1024)} MB; it was not read further.",
                    $"Check {_service.UrlSetting} (Get-ArenaConfig): something other than {_service.Name} may be answering.");
            _options.Log.Debug($"{_service.Name} {operation}: HTTP {(int)response.StatusCode}, {body.Length} characters");
            return new ApiAnswer((int)response.StatusCode, RetryAfter.Of(response), body);
        }

        /// <summary>A 429 is sent again whatever the request; the rest only when sending twice is harmless. A wait past the budget ends it now.</summary>
        internal static bool ShouldRetry(bool safeToRepeat, Outcome<ApiAnswer> outcome, TimeSpan elapsed, TimeSpan budget, TimeSpan maxDelay)
        {
            if (outcome.Exception != null)
            {
                return safeToRepeat && (outcome.Exception is HttpRequestException || outcome.Exception is TimeoutRejectedException || outcome.Exception is IOException);
            }
            var answer = outcome.Result!;
            var retriable = answer.Status == 429 || (safeToRepeat && (answer.Status == 502 || answer.Status == 503 || answer.Status == 504));
            if (!retriable) return false;
            // A wait longer than the sender keeps, or past the budget, is not cut short: sent sooner than
            // asked, the request would only meet another 429.
            return answer.RetryAfter == null || (answer.RetryAfter.Value <= maxDelay && elapsed + answer.RetryAfter.Value < budget);
        }

        private static string Innermost(Exception e)
        {
            while (e.InnerException != null) e = e.InnerException;
            return e.Message.TrimEnd('.');
        }
    }
}
