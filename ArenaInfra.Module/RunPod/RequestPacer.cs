using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace ArenaInfra.RunPod
{
    /// <summary>
    /// Spaces requests evenly: at most N a second to one API from this process, however many run in
    /// parallel. Even spacing, not bursts, so no window of a second ever sees more than N.
    /// </summary>
    internal sealed class RequestPacer
    {
        private static readonly ConcurrentDictionary<string, RequestPacer> Shared = new ConcurrentDictionary<string, RequestPacer>();
        private static readonly double TicksPerStopwatchTick = (double)TimeSpan.TicksPerSecond / Stopwatch.Frequency;

        private readonly object _gate = new object();
        private readonly long _intervalTicks;
        private long _nextSlot;

        private RequestPacer(int requestsPerSecond) =>
            _intervalTicks = requestsPerSecond <= 0 ? 0 : TimeSpan.TicksPerSecond / requestsPerSecond;

        public static RequestPacer For(Uri endpoint, int requestsPerSecond) =>
            Shared.GetOrAdd($"{endpoint.GetLeftPart(UriPartial.Path)}|{requestsPerSecond}", _ => new RequestPacer(requestsPerSecond));

        public Task WaitAsync(CancellationToken cancellationToken)
        {
            long wait;
            lock (_gate)
            {
                var now = Now();
                var slot = Math.Max(now, _nextSlot);
                _nextSlot = slot + _intervalTicks;
                wait = slot - now;
            }
            return wait <= 0 ? Task.CompletedTask : Task.Delay(TimeSpan.FromTicks(wait), cancellationToken);
        }

        /// <summary>No request leaves before this much time has passed (RunPod said its window is used up).</summary>
        public void HoldFor(TimeSpan hold)
        {
            lock (_gate)
            {
                var until = Now() + hold.Ticks;
                if (until > _nextSlot) _nextSlot = until;
            }
        }

        private static long Now() => (long)(Stopwatch.GetTimestamp() * TicksPerStopwatchTick);
    }
}
