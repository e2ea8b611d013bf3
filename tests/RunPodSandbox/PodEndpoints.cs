using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RunPodSandbox;

/// <summary>
/// What answers on a running pod's public SSH port. By default a listener that greets like an SSH
/// server and hangs up, so "is the port open" checks behave as on RunPod; a backend that runs a
/// real sshd can take its place.
/// </summary>
public interface IPodEndpointBackend
{
    /// <summary>Starts answering for the pod; returns the loopback port.</summary>
    int Open(SandboxPod pod);

    /// <summary>Stops answering for the pod (stopped or terminated).</summary>
    void Close(SandboxPod pod);

    /// <summary>False while the pod's endpoint waits for its start delay to end: the API shows no port until then.</summary>
    bool Answering(SandboxPod pod) => true;
}

public sealed class GreetingEndpointBackend : IPodEndpointBackend, IDisposable
{
    private readonly Dictionary<string, TcpListener> _listeners = new();
    private readonly object _gate = new();

    public int Open(SandboxPod pod)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        lock (_gate)
        {
            Close(pod);
            _listeners[pod.Id] = listener;
        }
        _ = AcceptLoop(listener);
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Close(SandboxPod pod)
    {
        lock (_gate)
        {
            if (_listeners.Remove(pod.Id, out var listener)) listener.Stop();
        }
    }

    private static async Task AcceptLoop(TcpListener listener)
    {
        var banner = Encoding.ASCII.GetBytes("SSH-2.0-RunPodSandbox\r\n");
        while (true)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync();
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException or InvalidOperationException)
            {
                return;
            }
            using (client)
            {
                try
                {
                    await client.GetStream().WriteAsync(banner);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var listener in _listeners.Values) listener.Stop();
            _listeners.Clear();
        }
    }
}
