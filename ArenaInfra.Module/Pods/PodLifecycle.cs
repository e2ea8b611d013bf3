using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using ArenaInfra.RunPod;

namespace ArenaInfra.Pods
{
    /// <summary>Stop, wait until stopped, terminate: what kill_pods did, one pod at a time, cancellable.</summary>
    internal sealed class PodLifecycle
    {
        private readonly IRunPodApi _api;
        private readonly IArenaLog _log;

        public PodLifecycle(IRunPodApi api, IArenaLog log)
        {
            _api = api;
            _log = log;
        }

        public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

        public async Task<ArenaPod> StopAndWaitAsync(ArenaPod pod, TimeSpan timeout, CancellationToken cancellationToken)
        {
            await _api.StopPodAsync(pod.Id, cancellationToken).ConfigureAwait(false);
            var deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                var current = await _api.GetPodAsync(pod.Id, cancellationToken).ConfigureAwait(false);
                if (current == null || current.Status == ArenaPodStatus.Stopped || current.Status == ArenaPodStatus.Terminated)
                {
                    return current ?? pod;
                }
                if (DateTime.UtcNow >= deadline)
                {
                    throw new ArenaException(ArenaErrorIds.PodOperationFailed, ErrorCategory.OperationTimeout,
                        $"The pod '{pod.Name}' did not stop within {timeout.TotalSeconds:0} s (status {current.Status}); it was not removed.",
                        "Run the command again later, or raise -TimeoutSec.", target: pod);
                }
                _log.Verbose($"{pod.Name}: waiting for it to stop (status {current.Status}).");
                await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
            }
        }

        public async Task<ArenaPod> RemoveAsync(ArenaPod pod, bool stopFirst, TimeSpan stopTimeout, CancellationToken cancellationToken)
        {
            if (stopFirst)
            {
                _log.Verbose($"{pod.Name}: stopping it before removing it.");
                await StopAndWaitAsync(pod, stopTimeout, cancellationToken).ConfigureAwait(false);
            }
            await _api.TerminatePodAsync(pod.Id, cancellationToken).ConfigureAwait(false);
            pod.Status = ArenaPodStatus.Terminated;
            pod.DesiredStatus = "TERMINATED";
            pod.PublicIp = null;
            pod.SshPort = null;
            pod.Uptime = null;
            return pod;
        }
    }
}
