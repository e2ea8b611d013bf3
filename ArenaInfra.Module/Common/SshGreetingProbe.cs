using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace ArenaInfra.Common
{
    /// <summary>
    /// Does an SSH server answer on this port? An open port is not enough (a relay or a half-started
    /// container accepts and says nothing), so this connects and reads the server's identification
    /// line ("SSH-2.0-..."), all within one deadline (a host name's lookup included), and hangs up
    /// without sending anything. The status page and the machines of the hosts file (Static/) ask it.
    /// </summary>
    internal static class SshGreetingProbe
    {
        /// <summary>RFC 4253 lets a server send other lines before its identification; each at most 255 bytes.</summary>
        internal const int MaxBytes = 4096;

        /// <summary>True only when an SSH identification line was read before the deadline; cancellation throws.</summary>
        public static async Task<bool> AnswersAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            using var client = new TcpClient();
            // Closing the socket is what ends a pending connect or read on every runtime, whatever its token support.
            using (deadline.Token.Register(() => client.Dispose()))
            {
                try
                {
                    var addresses = await AddressesAsync(host, deadline.Token).ConfigureAwait(false);
                    if (addresses.Length == 0) return false;
                    await client.ConnectAsync(addresses, port).ConfigureAwait(false);
                    return await ReadsGreetingAsync(client.GetStream(), deadline.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is SocketException || e is IOException || e is ObjectDisposedException || e is InvalidOperationException || e is NullReferenceException)
                {
                    // A refused or reset connection, or the deadline closing the socket under a pending call.
                    cancellationToken.ThrowIfCancellationRequested();
                    return false;
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // The deadline, not the user: the server did not answer in time.
                    return false;
                }
            }
        }

        /// <summary>
        /// The host's addresses; a name is looked up under the deadline, since a lookup ignores the
        /// socket being closed and a slow resolver would hold the probe for its own timeout.
        /// </summary>
        private static async Task<IPAddress[]> AddressesAsync(string host, CancellationToken deadline)
        {
            if (IPAddress.TryParse(host, out var ip)) return new[] { ip };
            var lookup = Dns.GetHostAddressesAsync(host);
            var finished = await Task.WhenAny(lookup, Task.Delay(Timeout.Infinite, deadline)).ConfigureAwait(false);
            if (finished != lookup)
            {
                // Observe the abandoned lookup so its failure is not reported as unobserved.
                _ = lookup.ContinueWith(t => t.Exception, TaskScheduler.Default);
                deadline.ThrowIfCancellationRequested();
            }
            return (await lookup.ConfigureAwait(false)).Where(a => a.AddressFamily == AddressFamily.InterNetwork || a.AddressFamily == AddressFamily.InterNetworkV6).ToArray();
        }

        private static async Task<bool> ReadsGreetingAsync(NetworkStream stream, CancellationToken deadline)
        {
            var buffer = new byte[MaxBytes];
            var length = 0;
            var lineStart = 0;
            while (length < buffer.Length)
            {
                var read = await stream.ReadAsync(buffer, length, buffer.Length - length, deadline).ConfigureAwait(false);
                if (read == 0) return false;
                for (var i = length; i < length + read; i++)
                {
                    if (buffer[i] != (byte)'\n') continue;
                    var line = Encoding.ASCII.GetString(buffer, lineStart, i - lineStart);
                    if (IsIdentification(line)) return true;
                    // Only the identification may start with "SSH-" (RFC 4253 4.2): anything else there is no SSH server.
                    if (line.StartsWith("SSH-", StringComparison.Ordinal)) return false;
                    lineStart = i + 1;
                }
                length += read;
                if (length - lineStart > 255) return false;
            }
            return false;
        }

        /// <summary>The identification line of an SSH 2 server (1.99: one that also speaks the old protocol).</summary>
        internal static bool IsIdentification(string line)
        {
            line = line.TrimEnd('\r');
            foreach (var prefix in new[] { "SSH-2.0-", "SSH-1.99-" })
            {
                if (line.StartsWith(prefix, StringComparison.Ordinal) && line.Length > prefix.Length) return true;
            }
            return false;
        }
    }
}
