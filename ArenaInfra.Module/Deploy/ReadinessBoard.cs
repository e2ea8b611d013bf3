using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using ArenaInfra.Pods;
using ArenaInfra.RunPod;
using ArenaInfra.Ssh;

namespace ArenaInfra.Deploy
{
    /// <summary>
    /// Waits for pods to answer SSH, each on its own and released the moment its port answers, while
    /// RunPod is asked once a round for all of them (one list, however many pods wait): thirty pods
    /// each polling on their own would spend the rate limit on lists. Pods join and leave at any
    /// time; the round stops when none waits.
    /// </summary>
    internal sealed class ReadinessBoard
    {
        private readonly IRunPodApi _api;
        private readonly IArenaLog _log;
        private readonly object _gate = new object();
        private readonly List<Waiting> _waiting = new List<Waiting>();
        private Task? _rounds;

        public ReadinessBoard(IRunPodApi api, IArenaLog log)
        {
            _api = api;
            _log = log;
        }

        public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(3);
        public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(3);

        /// <summary>The pod as RunPod gives it once its SSH port answers; an ArenaException (PodNotReady, PodNotFound) when it will not.</summary>
        public Task<ArenaPod> WaitAsync(ArenaPod pod, TimeSpan timeout, CancellationToken token)
        {
            var waiting = new Waiting(pod, DateTime.UtcNow + timeout, timeout);
            var cancel = token.Register(() => waiting.Done.TrySetCanceled());
            waiting.Done.Task.ContinueWith(_ => cancel.Dispose(), TaskScheduler.Default);
            lock (_gate)
            {
                _waiting.Add(waiting);
                if (_rounds == null || _rounds.IsCompleted) _rounds = Task.Run(() => RoundsAsync(token));
            }
            return waiting.Done.Task;
        }

        private async Task RoundsAsync(CancellationToken token)
        {
            while (!token.IsCancellationRequested)
            {
                List<Waiting> now;
                lock (_gate)
                {
                    _waiting.RemoveAll(w => w.Done.Task.IsCompleted);
                    if (_waiting.Count == 0)
                    {
                        _rounds = null;
                        return;
                    }
                    now = _waiting.ToList();
                }
                try
                {
                    await RoundAsync(now, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }
                catch (ArenaException e)
                {
                    // The list could not be read (after the HTTP layer's own retries): every pod waiting learns why.
                    foreach (var w in now) w.Done.TrySetException(e);
                }
                catch (Exception e)
                {
                    foreach (var w in now) w.Done.TrySetException(e);
                }
                try
                {
                    await Task.Delay(PollInterval, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        private async Task RoundAsync(IReadOnlyList<Waiting> waiting, CancellationToken token)
        {
            var current = (await _api.ListPodsAsync(token).ConfigureAwait(false)).GroupBy(p => p.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            var probes = new List<Task>();
            foreach (var w in waiting)
            {
                if (!current.TryGetValue(w.Pod.Id, out var pod) || pod.Status == ArenaPodStatus.Terminated)
                {
                    w.Done.TrySetException(new ArenaException(ArenaErrorIds.PodNotFound, ErrorCategory.ObjectNotFound,
                        $"{w.Pod.Name}: the pod ({w.Pod.Id}) no longer exists, so it will never be ready.", "Run Get-ArenaPod to see the pods there are."));
                    continue;
                }
                w.Last = pod;
                if (PodReadinessWaiter.Hopeless(pod) is (string why, string fix))
                {
                    w.Done.TrySetException(new ArenaException(ArenaErrorIds.PodNotReady, ErrorCategory.InvalidOperation, $"{pod.Name}: {why}, so it will not become ready by waiting.", fix));
                    continue;
                }
                if (pod.Status == ArenaPodStatus.Running && pod.PublicIp != null && pod.SshPort != null) probes.Add(ProbeAsync(w, pod, token));
                else TimedOut(w);
            }
            await Task.WhenAll(probes).ConfigureAwait(false);
        }

        private async Task ProbeAsync(Waiting w, ArenaPod pod, CancellationToken token)
        {
            if (await TcpProbe.CanConnectAsync(pod.PublicIp!, pod.SshPort!.Value, ProbeTimeout, token).ConfigureAwait(false))
            {
                w.Done.TrySetResult(pod);
                return;
            }
            _log.Verbose($"{pod.Name}: {pod.SshEndpoint} does not accept connections yet.");
            TimedOut(w);
        }

        private static void TimedOut(Waiting w)
        {
            if (DateTime.UtcNow < w.Deadline) return;
            var pod = w.Last ?? w.Pod;
            var last = pod.Status == ArenaPodStatus.Running && pod.SshEndpoint != null ? $"Running, but {pod.SshEndpoint} did not accept a connection" : pod.Status.ToString();
            w.Done.TrySetException(new ArenaException(ArenaErrorIds.PodNotReady, ErrorCategory.OperationTimeout,
                $"{pod.Name}: not ready within {w.Timeout.TotalSeconds:0} s; its last status was {last}.",
                "Community hosts can take 15 minutes or more to pull the image. Run Deploy-ArenaPod again with a longer -TimeoutSec: it carries on with this pod."));
        }

        private sealed class Waiting
        {
            public Waiting(ArenaPod pod, DateTime deadline, TimeSpan timeout)
            {
                Pod = pod;
                Deadline = deadline;
                Timeout = timeout;
            }

            public ArenaPod Pod { get; }
            public ArenaPod? Last { get; set; }
            public DateTime Deadline { get; }
            public TimeSpan Timeout { get; }
            public TaskCompletionSource<ArenaPod> Done { get; } = new TaskCompletionSource<ArenaPod>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }
}
