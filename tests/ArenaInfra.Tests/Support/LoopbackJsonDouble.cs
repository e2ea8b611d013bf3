using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ArenaInfra.Tests.Support;

/// <summary>
/// What every local double of a keyed JSON API shares (OpenRouter's key API, Vast.ai): an HttpListener
/// on 127.0.0.1 that stops on its own after five minutes, the key as a Bearer token or the service's
/// own refusal, 429s with Retry-After on demand, and a record of every request. Each double says only
/// how its service routes, refuses and throttles; Route runs under Gate.
/// </summary>
public abstract class LoopbackJsonDouble : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly List<Request> _requests = new();
    private readonly Timer _lifetime;
    private readonly string _key;
    private int _throttleNext;
    private int _throttleSeconds;
    private int _disposed;

    protected LoopbackJsonDouble(string key)
    {
        _key = key;
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _lifetime = new Timer(_ => Dispose(), null, TimeSpan.FromMinutes(5), Timeout.InfiniteTimeSpan);
        _ = Task.Run(ServeAsync);
    }

    protected int Port { get; }

    /// <summary>Held while a request is answered: a double's state changes under it.</summary>
    protected object Gate { get; } = new();

    /// <summary>The next count requests are answered 429 with Retry-After: seconds.</summary>
    public void Throttle(int count, int seconds)
    {
        lock (Gate)
        {
            _throttleNext = count;
            _throttleSeconds = seconds;
        }
    }

    public IReadOnlyList<Request> Requests()
    {
        lock (Gate) return _requests.ToList();
    }

    /// <summary>Forgets the requests and any throttling (the caller holds Gate or needs no more).</summary>
    protected void ClearRequests()
    {
        lock (Gate)
        {
            _requests.Clear();
            _throttleNext = 0;
        }
    }

    /// <summary>The service's answer to a request it accepted the key of.</summary>
    protected abstract (int Status, string Body) Route(string method, string path, string query, string body);

    /// <summary>The service's answer to a missing or wrong key.</summary>
    protected abstract (int Status, string Body) Unauthorised(string? authorization);

    /// <summary>The service's body for a 429.</summary>
    protected abstract string Throttled();

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException || e is ObjectDisposedException || e is InvalidOperationException)
            {
                return;
            }
            try
            {
                Answer(context);
            }
            catch (Exception e) when (e is HttpListenerException || e is IOException || e is ObjectDisposedException)
            {
                // The client went away; nothing to answer.
            }
        }
    }

    private void Answer(HttpListenerContext context)
    {
        var request = context.Request;
        string body;
        using (var reader = new StreamReader(request.InputStream, Encoding.UTF8)) body = reader.ReadToEnd();
        var path = request.Url!.AbsolutePath;
        var query = request.Url.Query;
        var auth = request.Headers["Authorization"];
        int status;
        string answer;
        int? retryAfter = null;
        lock (Gate)
        {
            if (_throttleNext > 0)
            {
                _throttleNext--;
                retryAfter = _throttleSeconds;
                (status, answer) = (429, Throttled());
            }
            else if (auth != "Bearer " + _key)
            {
                (status, answer) = Unauthorised(auth);
            }
            else
            {
                (status, answer) = Route(request.HttpMethod, path, query, body);
            }
            _requests.Add(new Request(request.HttpMethod, path, query, auth, body, status));
        }
        var bytes = Encoding.UTF8.GetBytes(answer);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        if (retryAfter != null) context.Response.Headers["Retry-After"] = retryAfter.Value.ToString(CultureInfo.InvariantCulture);
        context.Response.ContentLength64 = bytes.Length;
        context.Response.OutputStream.Write(bytes);
        context.Response.Close();
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    /// <summary>Stops answering (a test of a service that does not answer may call it early).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _lifetime.Dispose();
        _listener.Close();
        GC.SuppressFinalize(this);
    }

    public sealed record Request(string Method, string Path, string Query, string? Authorization, string Body, int Status);
}
