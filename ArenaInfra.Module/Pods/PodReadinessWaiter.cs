using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using ArenaInfra.RunPod;
using ArenaInfra.Ssh;

namespace ArenaInfra.Pods
{
    /// <summary>
    /// Polls RunPod (one list a round, however many pods) until each pod has a public SSH endpoint
    /// whose port accepts a connection; reports each pod the moment it is ready.
    /// </summary>
    internal sealed class PodReadinessWaiter
    {
        private readonly IRunPodApi _api;
        private readonly IArenaLog _log;

        public PodReadinessWaiter(IRunPodApi api, IArenaLog log)
        {
            _api = api;
            _log = log;
        }

        public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);
        public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(3);

        /// <summary>Returns an error for every pod that was not ready in time or disappeared.</summary>
        public async Task<IReadOnlyList<(ArenaException Error, ArenaPod Pod)>> WaitAsync(
            IReadOnlyList<ArenaPod> pods, TimeSpan timeout, Action<ArenaPod> onReady, Action<int, int> onProgress, CancellationToken cancellationToken,
            Action<ArenaException, ArenaPod>? onFailed = null)
        {
            var pending = pods.GroupBy(p => p.Id).ToDictionary(g => g.Key, g => g.First());
            var last = new Dictionary<string, ArenaPod>(pending);
            var failures = new List<(ArenaException, ArenaPod)>();
            // Each failure is told the moment it is known (a stopped pod at the first look), not after the others are ready.
            void Fail(ArenaException error, ArenaPod pod)
            {
                failures.Add((error, pod));
                onFailed?.Invoke(error, pod);
            }
            var ready = 0;
            var deadline = DateTime.UtcNow + timeout;
            onProgress(0, pods.Count);

            while (pending.Count > 0)
            {
                var current = (await _api.ListPodsAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(p => p.Id, StringComparer.Ordinal);
                var candidates = new List<ArenaPod>();
                foreach (var id in pending.Keys.ToList())
                {
                    if (!current.TryGetValue(id, out var pod) || pod.Status == ArenaPodStatus.Terminated)
                    {
                        Fail(new ArenaException(ArenaErrorIds.PodNotFound, ErrorCategory.ObjectNotFound,
                            $"{pending[id].Name}: the pod ({id}) no longer exists, so it will never be ready.", "Run Get-ArenaPod to see the pods there are."), pending[id]);
                        pending.Remove(id);
                        continue;
                    }
                    last[id] = pod;
                    var hopeless = Hopeless(pod);
                    if (hopeless != null)
                    {
                        Fail(new ArenaException(ArenaErrorIds.PodNotReady, ErrorCategory.InvalidOperation,
                            $"{pod.Name}: {hopeless.Value.Why}, so it will not become ready by waiting.{await LastLogLinesAsync(pod, cancellationToken).ConfigureAwait(false)}",
                            hopeless.Value.Fix), pod);
                        pending.Remove(id);
                        continue;
                    }
                    if (pod.Status == ArenaPodStatus.Running && pod.PublicIp != null && pod.SshPort != null) candidates.Add(pod);
                }

                var probes = candidates.Select(async pod => (pod, open: await TcpProbe.CanConnectAsync(pod.PublicIp!, pod.SshPort!.Value, ProbeTimeout, cancellationToken).ConfigureAwait(false)));
                foreach (var (pod, open) in await Task.WhenAll(probes).ConfigureAwait(false))
                {
                    if (!open)
                    {
                        _log.Verbose($"{pod.Name}: {pod.SshEndpoint} does not accept connections yet.");
                        continue;
                    }
                    pending.Remove(pod.Id);
                    ready++;
                    onReady(pod);
                }
                onProgress(ready, pods.Count);
                if (pending.Count == 0) break;

                var remaining = deadline - DateTime.UtcNow;
                if (remaining <= TimeSpan.Zero) break;
                await Task.Delay(remaining < PollInterval ? remaining : PollInterval, cancellationToken).ConfigureAwait(false);
            }

            foreach (var id in pending.Keys)
            {
                var pod = last[id];
                Fail(new ArenaException(ArenaErrorIds.PodNotReady, ErrorCategory.OperationTimeout,
                    $"{pod.Name}: not ready within {timeout.TotalSeconds:0} s; its last status was {Describe(pod)}.{await LastLogLinesAsync(pod, cancellationToken).ConfigureAwait(false)}",
                    "Community hosts can take 15 minutes or more to pull the image. Wait longer with -TimeoutSec, or replace the pod (Repair-ArenaPod)."), pod);
            }
            return failures;
        }

        /// <summary>How many of a pod's last log lines end a message about why it is not ready.</summary>
        public int LogLinesInErrors { get; set; } = 5;

        /// <summary>Why waiting cannot help this pod, and what to do instead; null while there is hope.</summary>
        internal static (string Why, string Fix)? Hopeless(ArenaPod pod) => pod.Status switch
        {
            ArenaPodStatus.Stopped => ("the pod is stopped", "Start it with Start-ArenaPod, then wait again."),
            ArenaPodStatus.Error => ("RunPod reports the pod in ERROR (its container cannot run)", "Look at its log (Get-ArenaPodLog), then remove it and create it again (Remove-ArenaPod -Force, New-ArenaPod)."),
            _ when pod.SshProblem != null => (pod.SshProblem, "Remove it and create it again (Remove-ArenaPod -Force, New-ArenaPod): another host will give it a public IP."),
            _ => null,
        };

        /// <summary>" Its last log lines: ..." so that "why is bravo still starting?" has an answer; empty when there are none.</summary>
        private async Task<string> LastLogLinesAsync(ArenaPod pod, CancellationToken cancellationToken)
        {
            if (LogLinesInErrors <= 0) return "";
            var lines = new List<string>();
            try
            {
                await _api.ReadLogsAsync(pod.Id, LogLinesInErrors, follow: false, source: null, line => { lock (lines) lines.Add(line.Line); }, cancellationToken).ConfigureAwait(false);
            }
            catch (ArenaException e)
            {
                _log.Verbose($"{pod.Name}: its log could not be read ({e.ErrorId}).");
            }
            lock (lines)
            {
                var last = lines.Skip(Math.Max(0, lines.Count - LogLinesInErrors)).Select(l => l.Replace("\r", "").Replace("\n", " ").Trim()).Where(l => l.Length > 0).ToList();
                return last.Count == 0 ? "" : $" Its last log lines: {string.Join(" | ", last)}";
            }
        }

        private static string Describe(ArenaPod pod) => pod.Status switch
        {
            ArenaPodStatus.Starting => "Starting (no public SSH port yet)",
            ArenaPodStatus.Provisioning => "Provisioning (RunPod is still finding it a machine)",
            ArenaPodStatus.Running => $"Running, but {pod.SshEndpoint} did not accept a connection",
            _ => $"{pod.Status} ({pod.DesiredStatus})",
        };
    }
}
