using System;
using System.Collections.Concurrent;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Threading;
using ArenaInfra.Common;

namespace ArenaInfra.VsCode
{
    /// <summary>
    /// Asks VS Code's update service, from this machine, once a run and platform, for the current
    /// stable server build; every pod of that platform then downloads the same build and checks it
    /// against the same hash. A short deadline and a small cap on the answer: the step is best-effort,
    /// and an update service that does not answer is a warning, never a wait.
    /// </summary>
    internal sealed class VsCodeUpdateService
    {
        private const int MaxAnswerBytes = 64 * 1024;
        private static readonly HttpClient Client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        private readonly ConcurrentDictionary<string, Lazy<(VsCodeServerBuild? Build, string? Problem)>> _answers = new ConcurrentDictionary<string, Lazy<(VsCodeServerBuild?, string?)>>(StringComparer.Ordinal);

        public VsCodeUpdateService(string baseUrl, TimeSpan? deadline = null)
        {
            BaseUrl = baseUrl.TrimEnd('/');
            Deadline = deadline ?? TimeSpan.FromSeconds(20);
        }

        public string BaseUrl { get; }
        public TimeSpan Deadline { get; }

        /// <summary>The build for a platform (server-linux-x64, ...), or why there is none; asked once, shared by every pod.</summary>
        public (VsCodeServerBuild? Build, string? Problem) Latest(string platform, CancellationToken cancellation) =>
            _answers.GetOrAdd(platform, p => new Lazy<(VsCodeServerBuild?, string?)>(() => Ask(p, cancellation), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

        private (VsCodeServerBuild?, string?) Ask(string platform, CancellationToken cancellation)
        {
            var url = $"{BaseUrl}/api/update/{platform}/stable/latest";
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            deadline.CancelAfter(Deadline);
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                using var response = Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).GetAwaiter().GetResult();
                if (response.StatusCode != HttpStatusCode.OK) return (null, $"{url} answered {(int)response.StatusCode}");
                var text = CappedBody.ReadAsync(response, MaxAnswerBytes, deadline.Token).GetAwaiter().GetResult();
                if (text == null) return (null, $"{url} answered more than {MaxAnswerBytes / 1024} KB");
                return (VsCodeServerBuild.Parse(text, new Uri(BaseUrl)), null);
            }
            catch (VsCodeAnswerRefused e)
            {
                return (null, $"the answer of {url} was refused: {e.Message}");
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                return (null, $"{url} did not answer within {Deadline.TotalSeconds:0} s");
            }
            catch (Exception e) when (e is HttpRequestException || e is IOException || e is InvalidOperationException)
            {
                return (null, $"{url} could not be reached ({(e.InnerException ?? e).Message})");
            }
        }
    }
}
