using System;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace ArenaInfra.Ssh
{
    /// <summary>Does a pod's SSH port accept a connection? The cheapest proof that it is reachable.</summary>
    internal static class TcpProbe
    {
        public static async Task<bool> CanConnectAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken)
        {
            using var client = new TcpClient();
            var connect = client.ConnectAsync(host, port);
            var finished = await Task.WhenAny(connect, Task.Delay(timeout, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (finished != connect)
            {
                // Observe the abandoned attempt so its failure is not reported as unobserved.
                _ = connect.ContinueWith(t => t.Exception, TaskScheduler.Default);
                return false;
            }
            try
            {
                await connect.ConfigureAwait(false);
                return client.Connected;
            }
            catch (SocketException)
            {
                return false;
            }
        }
    }
}
