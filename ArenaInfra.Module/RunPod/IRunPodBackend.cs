using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace ArenaInfra.RunPod
{
    /// <summary>
    /// One RunPod API (REST v2 or GraphQL) as requests: each sent once, its answer read for what it says.
    /// What an action's answer means (done, not done, lost and settled by reading the pod) is not decided
    /// here but above, in SettledPodActions, so both backends decide it alike.
    /// </summary>
    internal interface IRunPodBackend
    {
        Task<IReadOnlyList<ArenaPod>> ListPodsAsync(CancellationToken cancellationToken);
        /// <summary>The pod, or null when RunPod has none with that id.</summary>
        Task<ArenaPod?> GetPodAsync(string podId, CancellationToken cancellationToken);
        /// <summary>One create request, never repeated on an unclear failure: PodCreator decides what that means.</summary>
        Task<ArenaPod> CreatePodAsync(PodCreateSpec spec, CancellationToken cancellationToken);
        /// <summary>
        /// One action request, never repeated. The answer carries the pod as RunPod returned it (null when it
        /// returned none); an error RunPod sent with a 2xx is thrown with that status as its HttpStatus.
        /// </summary>
        Task<PodActionAnswer> SendActionAsync(string podId, PodAction action, int gpuCount, CancellationToken cancellationToken);
        Task<GpuOffer?> GetGpuOfferAsync(string gpuTypeId, string cloudType, int gpuCount, CancellationToken cancellationToken);
        Task<IReadOnlyList<string>> GetAccountSshKeysAsync(CancellationToken cancellationToken);
        /// <summary>Locks or unlocks the pod (REST v2 PATCH with only {"locked": ...}); answers with the pod as RunPod returned it.</summary>
        Task<ArenaPod> SetLockedAsync(string podId, bool locked, CancellationToken cancellationToken);
        Task ReadLogsAsync(string podId, int tail, bool follow, string? source, Action<PodLogEvent> onLine, CancellationToken cancellationToken);
        /// <summary>The account's network volumes (they bill while they exist, whatever the pods do).</summary>
        Task<IReadOnlyList<ArenaNetworkVolume>> ListNetworkVolumesAsync(CancellationToken cancellationToken);
    }

    internal enum PodAction
    {
        Stop,
        Start,
        Terminate,
    }

    /// <summary>What RunPod answered to an action: its HTTP status and the pod it returned, if any.</summary>
    internal sealed class PodActionAnswer
    {
        public PodActionAnswer(ArenaPod? pod, int httpStatus)
        {
            Pod = pod;
            HttpStatus = httpStatus;
        }

        public ArenaPod? Pod { get; }
        public int HttpStatus { get; }
    }
}
