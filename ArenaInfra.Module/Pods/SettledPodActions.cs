using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using ArenaInfra.Pods.Create;
using ArenaInfra.RunPod;

namespace ArenaInfra.Pods
{
    /// <summary>
    /// What an action's answer means, the same whichever backend sent it: done only when the pod it returns,
    /// or else a fresh read, is in the state the action leads to (a 2xx alone proves nothing: RunPod has
    /// answered 200 with an error body). A 409 says the pod's state does not allow it (with what it
    /// allows); an unclear failure (no answer, a 5xx) is settled by reading the pod: done if it shows the
    /// action's effect, sent again only if its state has not changed. Everything else passes through.
    /// </summary>
    internal sealed class SettledPodActions : IRunPodApi
    {
        private readonly IRunPodBackend _backend;
        private readonly IArenaLog _log;

        public SettledPodActions(IRunPodBackend backend, IArenaLog log)
        {
            _backend = backend;
            _log = log;
        }

        /// <summary>How many times an action is sent in all when its answer is lost and the pod shows it did not happen.</summary>
        public int ActionAttempts { get; set; } = 3;

        /// <summary>The wait before the second sending of an action; the third waits twice as long, and so on.</summary>
        public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

        public Task<IReadOnlyList<ArenaPod>> ListPodsAsync(CancellationToken cancellationToken) => _backend.ListPodsAsync(cancellationToken);
        public Task<ArenaPod?> GetPodAsync(string podId, CancellationToken cancellationToken) => _backend.GetPodAsync(podId, cancellationToken);
        public Task<ArenaPod> CreatePodAsync(PodCreateSpec spec, CancellationToken cancellationToken) => _backend.CreatePodAsync(spec, cancellationToken);
        public Task<GpuOffer?> GetGpuOfferAsync(string gpuTypeId, string cloudType, int gpuCount, CancellationToken cancellationToken) => _backend.GetGpuOfferAsync(gpuTypeId, cloudType, gpuCount, cancellationToken);
        public Task<IReadOnlyList<string>> GetAccountSshKeysAsync(CancellationToken cancellationToken) => _backend.GetAccountSshKeysAsync(cancellationToken);
        public Task<ArenaPod> SetLockedAsync(string podId, bool locked, CancellationToken cancellationToken) => _backend.SetLockedAsync(podId, locked, cancellationToken);
        public Task ReadLogsAsync(string podId, int tail, bool follow, string? source, Action<PodLogEvent> onLine, CancellationToken cancellationToken) => _backend.ReadLogsAsync(podId, tail, follow, source, onLine, cancellationToken);
        public Task<IReadOnlyList<ArenaNetworkVolume>> ListNetworkVolumesAsync(CancellationToken cancellationToken) => _backend.ListNetworkVolumesAsync(cancellationToken);

        public Task StopPodAsync(string podId, CancellationToken cancellationToken) =>
            ActAsync(podId, PodAction.Stop, 0, cancellationToken);

        public async Task<ArenaPod> StartPodAsync(string podId, int gpuCount, CancellationToken cancellationToken) =>
            await ActAsync(podId, PodAction.Start, gpuCount, cancellationToken).ConfigureAwait(false)
                ?? throw RunPodErrors.PodGone(podId, "start");

        public Task TerminatePodAsync(string podId, CancellationToken cancellationToken) =>
            ActAsync(podId, PodAction.Terminate, 0, cancellationToken);

        /// <summary>Whether the pod (null: RunPod has none with that id) is in the state the action leads to.</summary>
        internal static bool IsDone(PodAction action, ArenaPod? pod) => action switch
        {
            PodAction.Stop => pod == null || pod.Status == ArenaPodStatus.Stopped || pod.Status == ArenaPodStatus.Terminated,
            PodAction.Start => pod != null && pod.Status != ArenaPodStatus.Stopped && pod.Status != ArenaPodStatus.Terminated,
            _ => pod == null || pod.Status == ArenaPodStatus.Terminated,
        };

        private static string VerbOf(PodAction action) => action switch
        {
            PodAction.Stop => "stop",
            PodAction.Start => "start",
            _ => "terminate",
        };

        private static string OperationOf(PodAction action) => action switch
        {
            PodAction.Stop => "StopPod",
            PodAction.Start => "ResumePod",
            _ => "TerminatePod",
        };

        private async Task<ArenaPod?> ActAsync(string podId, PodAction action, int gpuCount, CancellationToken cancellationToken)
        {
            var verb = VerbOf(action);
            var operation = OperationOf(action);
            for (var attempt = 1; ; attempt++)
            {
                int answeredStatus;
                try
                {
                    var answer = await _backend.SendActionAsync(podId, action, gpuCount, cancellationToken).ConfigureAwait(false);
                    if (answer.Pod != null && answer.Pod.Id == podId && IsDone(action, answer.Pod)) return answer.Pod;
                    answeredStatus = answer.HttpStatus;
                }
                catch (ArenaException e) when (e.HttpStatus is int status && status >= 200 && status <= 299)
                {
                    // A 2xx with an error body: the pod says whether it happened anyway.
                    var pod = await _backend.GetPodAsync(podId, cancellationToken).ConfigureAwait(false);
                    if (IsDone(action, pod)) return pod;
                    if (e.ErrorId != ArenaErrorIds.ApiError) throw;
                    throw RunPodErrors.ActionNotDone(podId, verb, pod, status, e.Message);
                }
                catch (ArenaException e) when (e.HttpStatus == 409)
                {
                    var pod = await _backend.GetPodAsync(podId, cancellationToken).ConfigureAwait(false);
                    if (IsDone(action, pod)) return pod;
                    throw RunPodErrors.ActionNotValid(podId, verb, pod, e.Message);
                }
                catch (ArenaException e) when (PodCreator.IsAmbiguous(e))
                {
                    var pod = await _backend.GetPodAsync(podId, cancellationToken).ConfigureAwait(false);
                    if (IsDone(action, pod))
                    {
                        _log.Verbose($"{operation} {podId}: the answer was lost ({e.ErrorId}), but the pod shows it happened.");
                        return pod;
                    }
                    if (attempt >= ActionAttempts) throw;
                    _log.Verbose($"{operation} {podId}: the answer was lost ({e.ErrorId}) and the pod is unchanged; sending it again (attempt {attempt + 1} of {ActionAttempts}).");
                    await Task.Delay(TimeSpan.FromTicks(RetryDelay.Ticks * attempt), cancellationToken).ConfigureAwait(false);
                    continue;
                }
                // A 2xx without the pod in the action's state (204, or another pod, or not yet): a fresh read decides.
                var fresh = await _backend.GetPodAsync(podId, cancellationToken).ConfigureAwait(false);
                if (IsDone(action, fresh)) return fresh;
                throw RunPodErrors.ActionNotDone(podId, verb, fresh, answeredStatus, null);
            }
        }
    }
}
