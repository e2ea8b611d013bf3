using System;
using System.IO;
using System.Management.Automation;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.RunPod;
using ArenaInfra.RunPod.Wire;
using Newtonsoft.Json;

namespace ArenaInfra.Pods
{
    /// <summary>
    /// GET /v2/pods/{id}/logs: Server-Sent Events, one JSON line an event. Without follow it stops after
    /// the backfill (the lines asked for, or a quiet second, or the request deadline); with follow it
    /// reads until cancelled. Every line is capped, and a stream that sends nothing is never waited on
    /// past the deadline (without follow) or past Ctrl+C (with it).
    /// </summary>
    internal sealed class PodLogStream
    {
        public const int MaxLineChars = 8192;

        private readonly RunPodHttp _http;

        public PodLogStream(RunPodHttp http) => _http = http;

        /// <summary>How long a backfill may go quiet before it is taken as complete.</summary>
        public TimeSpan QuietAfterBackfill { get; set; } = TimeSpan.FromSeconds(1.5);

        public async Task ReadAsync(string podId, int tail, bool follow, string? source, Action<PodLogEvent> onLine, CancellationToken cancellationToken)
        {
            var options = _http.Options;
            var query = $"tail={Math.Max(0, Math.Min(tail, 5000))}" + (source == null ? "" : "&source=" + RestV2Api.Escape(source));
            var uri = options.Rest($"v2/pods/{RestV2Api.Escape(podId)}/logs?{query}");
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (!follow) deadline.CancelAfter(options.RequestTimeout);
            var token = deadline.Token;
            var http = RunPodHttp.ClientFor(options);
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
            request.Headers.TryAddWithoutValidation("User-Agent", options.UserAgent);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            options.Log.Verbose($"RunPod PodLogs: GET {uri.GetLeftPart(UriPartial.Path)}{(follow ? " (following)" : "")}");

            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
            }
            catch (Exception e) when ((e is HttpRequestException || e is OperationCanceledException) && !cancellationToken.IsCancellationRequested)
            {
                throw new ArenaException(ArenaErrorIds.ApiUnreachable, ErrorCategory.ConnectionError,
                    $"RunPod did not answer the log request for {podId}: {RunPodHttp.Describe(e)}.", "Check the network and ApiBaseUrl (Get-ArenaConfig).", e);
            }
            using (response)
            {
                var status = (int)response.StatusCode;
                if (status >= 300 && status <= 399) throw RunPodErrors.Redirected("PodLogs", status, response.Headers.Location?.OriginalString, options.ApiKey);
                if (!response.IsSuccessStatusCode)
                {
                    var body = await ReadSomeAsync(response, token).ConfigureAwait(false);
                    throw RunPodErrors.FromV2Problem("PodLogs", new RawResponse(response.StatusCode, null, body, response.Content?.Headers.ContentType?.MediaType), options.ApiKey);
                }
                // Without follow, the first line stamped after the server's own "now" is live, not backfill: stop there.
                var serverNow = response.Headers.Date ?? DateTimeOffset.UtcNow;
                using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                using var closeOnCancel = token.Register(() => stream.Dispose());
                var reader = new SseReader(stream);
                var received = 0;
                try
                {
                    while (true)
                    {
                        // Without follow, a backfill that goes quiet is complete: stop there rather than at the deadline.
                        using var quiet = CancellationTokenSource.CreateLinkedTokenSource(token);
                        if (!follow && received > 0) quiet.CancelAfter(QuietAfterBackfill);
                        string? data;
                        try
                        {
                            data = await reader.NextDataAsync(quiet.Token).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException) when (!token.IsCancellationRequested)
                        {
                            return;
                        }
                        if (data == null) return;
                        var line = Parse(data);
                        if (line == null) continue;
                        // The Date header is whole seconds and may be cached for one: two seconds of slack.
                        if (!follow && line.Time is DateTimeOffset at && at > serverNow.AddSeconds(2)) return;
                        received++;
                        onLine(line);
                        if (!follow && received >= tail) return;
                    }
                }
                catch (Exception e) when ((e is ObjectDisposedException || e is IOException || e is OperationCanceledException) && token.IsCancellationRequested)
                {
                    if (cancellationToken.IsCancellationRequested) throw new OperationCanceledException(cancellationToken);
                    // The deadline of a backfill: what arrived is what there is.
                }
            }
        }

        private static PodLogEvent? Parse(string data)
        {
            try
            {
                // Times stay text until parsed here: Newtonsoft would otherwise turn them into local DateTimes.
                var wire = JsonConvert.DeserializeObject<V2LogEvent>(data, new JsonSerializerSettings { DateParseHandling = DateParseHandling.None, MaxDepth = 16 });
                if (wire?.Line == null) return null;
                var text = wire.Line.Length > MaxLineChars ? wire.Line.Substring(0, MaxLineChars) + "..." : wire.Line;
                DateTimeOffset? time = DateTimeOffset.TryParse(wire.Ts, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at : (DateTimeOffset?)null;
                return new PodLogEvent(wire.Source ?? "container", text, time);
            }
            catch (JsonException)
            {
                return null;
            }
        }

        private static async Task<string> ReadSomeAsync(HttpResponseMessage response, CancellationToken token)
        {
            if (response.Content == null) return "";
            using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            var buffer = new byte[16384];
            var read = await stream.ReadAsync(buffer, 0, buffer.Length, token).ConfigureAwait(false);
            return Encoding.UTF8.GetString(buffer, 0, Math.Max(0, read));
        }

        /// <summary>Reads the 'data:' of each Server-Sent Event; lines are capped so a stream without newlines cannot grow without bound.</summary>
        internal sealed class SseReader
        {
            private readonly Stream _stream;
            private readonly byte[] _buffer = new byte[8192];
            private readonly MemoryStream _lineBytes = new MemoryStream();
            private int _length;
            private int _position;

            public SseReader(Stream stream) => _stream = stream;

            /// <summary>The next event's data (its data lines joined), or null at the end of the stream.</summary>
            public async Task<string?> NextDataAsync(CancellationToken token)
            {
                var data = new StringBuilder();
                var hasData = false;
                while (true)
                {
                    var line = await NextLineAsync(token).ConfigureAwait(false);
                    if (line == null) return hasData ? data.ToString() : null;
                    if (line.Length == 0)
                    {
                        if (hasData) return data.ToString();
                        continue;
                    }
                    if (line.StartsWith("data:", StringComparison.Ordinal))
                    {
                        if (hasData) data.Append('\n');
                        var value = line.Substring(5);
                        data.Append(value.StartsWith(" ", StringComparison.Ordinal) ? value.Substring(1) : value);
                        hasData = true;
                        if (data.Length > MaxLineChars * 2) data.Length = MaxLineChars * 2;
                    }
                }
            }

            private async Task<string?> NextLineAsync(CancellationToken token)
            {
                _lineBytes.SetLength(0);
                while (true)
                {
                    if (_position >= _length)
                    {
                        _length = await _stream.ReadAsync(_buffer, 0, _buffer.Length, token).ConfigureAwait(false);
                        _position = 0;
                        if (_length <= 0) return _lineBytes.Length > 0 ? Decode() : null;
                    }
                    var b = _buffer[_position++];
                    if (b == (byte)'\n') return Decode();
                    if (_lineBytes.Length < MaxLineChars * 4) _lineBytes.WriteByte(b);
                }
            }

            private string Decode()
            {
                var text = Encoding.UTF8.GetString(_lineBytes.GetBuffer(), 0, (int)_lineBytes.Length);
                return text.EndsWith("\r", StringComparison.Ordinal) ? text.Substring(0, text.Length - 1) : text;
            }
        }
    }
}
