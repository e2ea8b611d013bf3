using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace ArenaInfra.RunPod
{
    /// <summary>
    /// What the module asks of RunPod, whatever the API behind it: REST v2 (the default) or GraphQL
    /// (deprecated). RunPodApiFactory chooses the backend; no cmdlet makes one itself.
    /// </summary>
    internal interface IRunPodApi
    {
        Task<IReadOnlyList<ArenaPod>> ListPodsAsync(CancellationToken cancellationToken);
        /// <summary>The pod, or null when RunPod has none with that id.</summary>
        Task<ArenaPod?> GetPodAsync(string podId, CancellationToken cancellationToken);
        /// <summary>One create request, never repeated on an unclear failure: PodCreator decides what that means.</summary>
        Task<ArenaPod> CreatePodAsync(PodCreateSpec spec, CancellationToken cancellationToken);
        Task StopPodAsync(string podId, CancellationToken cancellationToken);
        Task<ArenaPod> StartPodAsync(string podId, int gpuCount, CancellationToken cancellationToken);
        Task TerminatePodAsync(string podId, CancellationToken cancellationToken);
        /// <summary>The hourly price of one GPU of the type in that cloud, and how much stock there is; null when RunPod knows no such type.</summary>
        Task<GpuOffer?> GetGpuOfferAsync(string gpuTypeId, string cloudType, int gpuCount, CancellationToken cancellationToken);
        /// <summary>The public keys registered with the account (RunPod puts them in a pod only when the create sets no PUBLIC_KEY).</summary>
        Task<IReadOnlyList<string>> GetAccountSshKeysAsync(CancellationToken cancellationToken);
        /// <summary>Locks or unlocks the pod (REST v2 PATCH with only {"locked": ...}); answers with the pod as RunPod returned it.</summary>
        Task<ArenaPod> SetLockedAsync(string podId, bool locked, CancellationToken cancellationToken);
        /// <summary>The pod's last tail log lines, then (with follow) new ones until cancelled.</summary>
        Task ReadLogsAsync(string podId, int tail, bool follow, string? source, Action<PodLogEvent> onLine, CancellationToken cancellationToken);
        /// <summary>The account's network volumes (they bill while they exist, whatever the pods do).</summary>
        Task<IReadOnlyList<ArenaNetworkVolume>> ListNetworkVolumesAsync(CancellationToken cancellationToken);
    }

    /// <summary>What the catalog says of a GPU type for a pod: the price of one GPU an hour, and the stock (NONE, LOW, MEDIUM, HIGH).</summary>
    internal sealed class GpuOffer
    {
        public GpuOffer(string gpuTypeId, decimal? pricePerGpu, string? availability, string? notOffered = null)
        {
            GpuTypeId = gpuTypeId;
            // RunPod's catalog shows 0 for a cloud it does not offer the type on: 0 is never a price.
            PricePerGpu = pricePerGpu > 0 ? pricePerGpu : null;
            Availability = notOffered == null ? availability : null;
            NotOffered = notOffered;
        }

        public string GpuTypeId { get; }
        /// <summary>Null when the catalog gave none, or 0.</summary>
        public decimal? PricePerGpu { get; }
        /// <summary>Why the type cannot be had on that cloud at all ("RunPod's catalog: not offered on SECURE (...)"); null when it can.</summary>
        public string? NotOffered { get; }
        /// <summary>Null when the API did not say (GraphQL never does).</summary>
        public string? Availability { get; }
    }

    /// <summary>One line of a pod's log, as RunPod sends it.</summary>
    internal sealed class PodLogEvent
    {
        public PodLogEvent(string source, string line, DateTimeOffset? time)
        {
            Source = source;
            Line = line;
            Time = time;
        }

        public string Source { get; }
        public string Line { get; }
        public DateTimeOffset? Time { get; }
    }
}
