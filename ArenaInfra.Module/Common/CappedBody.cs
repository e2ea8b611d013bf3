using System.IO;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace ArenaInfra.Common
{
    /// <summary>
    /// Reads an HTTP answer's body as it arrives, observing the caller's token, and stops at a cap: every
    /// network read has a deadline and a size cap, and RunPod, OpenRouter and VS Code's update service
    /// are read by this one rule. What a body larger than the cap means is the caller's to say.
    /// </summary>
    internal static class CappedBody
    {
        /// <summary>The body as UTF-8 text ("" when there is none), or null when it is larger than maxBytes: it is not read further.</summary>
        public static async Task<string?> ReadAsync(HttpResponseMessage response, long maxBytes, CancellationToken token)
        {
            if (response.Content == null) return "";
            using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            // Some streams ignore the token while they wait for bytes; disposing them ends the wait.
            using var cancel = token.Register(() => stream.Dispose());
            var buffer = new byte[16384];
            using var collected = new MemoryStream();
            try
            {
                int read;
                while ((read = await stream.ReadAsync(buffer, 0, buffer.Length, token).ConfigureAwait(false)) > 0)
                {
                    if (collected.Length + read > maxBytes) return null;
                    collected.Write(buffer, 0, read);
                }
            }
            catch (System.ObjectDisposedException) when (token.IsCancellationRequested)
            {
                throw new System.OperationCanceledException(token);
            }
            return Encoding.UTF8.GetString(collected.GetBuffer(), 0, (int)collected.Length);
        }
    }
}
