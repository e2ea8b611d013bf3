using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace RunPodSandbox;

/// <summary>
/// A TCP relay that holds every chunk for a fixed delay in each direction, so loopback pods behave
/// like distant ones (this kernel has no tc netem). Order is kept; the delay is added, not jittered.
/// </summary>
public sealed class DelayProxy : IDisposable
{
    private readonly TcpListener _listener;
    private readonly int _targetPort;
    private readonly TimeSpan _delay;
    private readonly CancellationTokenSource _stop = new();

    /// <summary>listenPort: a port chosen before (a pod's public port, given out before its sshd starts); 0 for any.</summary>
    public DelayProxy(int targetPort, TimeSpan delay, int listenPort = 0)
    {
        _listener = new TcpListener(IPAddress.Loopback, listenPort);
        _targetPort = targetPort;
        _delay = delay;
        _listener.Start(512);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptLoop();
    }

    public int Port { get; }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = Relay(client);
        }
    }

    private async Task Relay(TcpClient client)
    {
        using var inbound = client;
        using var outbound = new TcpClient();
        try
        {
            await Task.Delay(_delay, _stop.Token); // the SYN's trip
            await outbound.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
            inbound.NoDelay = outbound.NoDelay = true;
            using var done = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var up = Pump(inbound.GetStream(), outbound.GetStream(), done.Token);
            var down = Pump(outbound.GetStream(), inbound.GetStream(), done.Token);
            await Task.WhenAny(up, down);
            done.Cancel();
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
        }
    }

    private async Task Pump(NetworkStream from, NetworkStream to, CancellationToken token)
    {
        var queue = Channel.CreateUnbounded<(long Due, byte[] Data)>();
        var writer = Task.Run(async () =>
        {
            await foreach (var (due, data) in queue.Reader.ReadAllAsync(token))
            {
                var wait = Stopwatch.GetElapsedTime(due);
                if (wait < _delay) await Task.Delay(_delay - wait, token);
                await to.WriteAsync(data, token);
            }
        }, token);
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, token)) > 0)
            {
                queue.Writer.TryWrite((Stopwatch.GetTimestamp(), buffer[..read]));
            }
        }
        finally
        {
            queue.Writer.TryComplete();
        }
        await writer;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }
}
