using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace ArenaInfra.RunPod
{
    /// <summary>
    /// At most N requests to one API from this process in any one second, however many run in parallel.
    /// <para>
    /// A sliding window, not even spacing: a request waits only when N requests already left in the
    /// last second, and then until the oldest of them is a second (and a tenth) old. A short run of requests (the
    /// pages of one list, a handful of actions) goes at once; a long run settles at N a second. Even
    /// spacing kept the same limit but made a 5-page list wait 0.5 s for nothing.
    /// </para>
    /// <para>
    /// The window is a second and a tenth: RunPod counts requests when they arrive, and the network
    /// shifts an arrival by milliseconds, so a request sent exactly a second after the oldest of N can
    /// land inside that second's window and be refused.
    /// </para>
    /// </summary>
    internal sealed class RequestPacer
    {
        private static readonly ConcurrentDictionary<string, RequestPacer> Shared = new ConcurrentDictionary<string, RequestPacer>();
        private static readonly double TicksPerStopwatchTick = (double)TimeSpan.TicksPerSecond / Stopwatch.Frequency;
        /// <summary>The window N requests share: a second, and a tenth for the network's jitter.</summary>
        internal static readonly long WindowTicks = TimeSpan.TicksPerSecond + TimeSpan.TicksPerSecond / 10;

        private readonly object _gate = new object();
        // When each of the last N requests left (or will leave), oldest at _next; long.MinValue: none yet.
        private readonly long[] _sent;
        private int _next;
        private long _holdUntil = long.MinValue;

        internal RequestPacer(int requestsPerSecond)
        {
            _sent = new long[Math.Max(0, requestsPerSecond)];
            for (var i = 0; i < _sent.Length; i++) _sent[i] = long.MinValue;
        }

        public static RequestPacer For(Uri endpoint, int requestsPerSecond) =>
            Shared.GetOrAdd($"{endpoint.GetLeftPart(UriPartial.Path)}|{requestsPerSecond}", _ => new RequestPacer(requestsPerSecond));

        public Task WaitAsync(CancellationToken cancellationToken)
        {
            var wait = Reserve(Now());
            return wait <= 0 ? Task.CompletedTask : Task.Delay(TimeSpan.FromTicks(wait), cancellationToken);
        }

        /// <summary>
        /// Takes the earliest slot at or after <paramref name="now"/> (in ticks) that keeps N to a second
        /// and any hold, and returns how long to wait for it. Separate from the clock so tests can drive it.
        /// </summary>
        internal long Reserve(long now)
        {
            lock (_gate)
            {
                var slot = Math.Max(now, _holdUntil);
                if (_sent.Length > 0)
                {
                    var oldest = _sent[_next];
                    if (oldest != long.MinValue) slot = Math.Max(slot, oldest + WindowTicks);
                    _sent[_next] = slot;
                    _next = (_next + 1) % _sent.Length;
                }
                return slot - now;
            }
        }

        /// <summary>No request leaves before this much time has passed (RunPod said its window is used up).</summary>
        public void HoldFor(TimeSpan hold) => HoldUntil(Now() + hold.Ticks);

        internal void HoldUntil(long until)
        {
            lock (_gate)
            {
                if (until > _holdUntil) _holdUntil = until;
            }
        }

        private static long Now() => (long)(Stopwatch.GetTimestamp() * TicksPerStopwatchTick);
    }
}
