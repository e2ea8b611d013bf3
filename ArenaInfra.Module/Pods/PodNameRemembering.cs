using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using ArenaInfra.Pods;
using ArenaInfra.RunPod;
using ArenaInfra.RunPod.GraphQl;

namespace ArenaInfra.Pods
{
    /// <summary>Keeps the names of every listing for tab completion, whichever backend listed them.</summary>
    internal sealed class PodNameRemembering : IRunPodApi
    {
        private readonly IRunPodApi _inner;

        public PodNameRemembering(IRunPodApi inner) => _inner = inner;

        /// <summary>The API behind this one.</summary>
        public IRunPodApi Inner => _inner;

        public async Task<IReadOnlyList<ArenaPod>> ListPodsAsync(CancellationToken cancellationToken)
        {
            var pods = await _inner.ListPodsAsync(cancellationToken).ConfigureAwait(false);
            PodNameCache.Remember(pods);
            return pods;
        }

        public Task<ArenaPod?> GetPodAsync(string podId, CancellationToken cancellationToken) => _inner.GetPodAsync(podId, cancellationToken);
        public Task<ArenaPod> CreatePodAsync(PodCreateSpec spec, CancellationToken cancellationToken) => _inner.CreatePodAsync(spec, cancellationToken);
        public Task StopPodAsync(string podId, CancellationToken cancellationToken) => _inner.StopPodAsync(podId, cancellationToken);
        public Task<ArenaPod> StartPodAsync(string podId, int gpuCount, CancellationToken cancellationToken) => _inner.StartPodAsync(podId, gpuCount, cancellationToken);
        public Task TerminatePodAsync(string podId, CancellationToken cancellationToken) => _inner.TerminatePodAsync(podId, cancellationToken);
        public Task<GpuOffer?> GetGpuOfferAsync(string gpuTypeId, string cloudType, int gpuCount, CancellationToken cancellationToken) => _inner.GetGpuOfferAsync(gpuTypeId, cloudType, gpuCount, cancellationToken);
        public Task<IReadOnlyList<string>> GetAccountSshKeysAsync(CancellationToken cancellationToken) => _inner.GetAccountSshKeysAsync(cancellationToken);
        public Task<ArenaPod> SetLockedAsync(string podId, bool locked, CancellationToken cancellationToken) => _inner.SetLockedAsync(podId, locked, cancellationToken);
        public Task ReadLogsAsync(string podId, int tail, bool follow, string? source, System.Action<PodLogEvent> onLine, CancellationToken cancellationToken) => _inner.ReadLogsAsync(podId, tail, follow, source, onLine, cancellationToken);
        public Task<IReadOnlyList<ArenaNetworkVolume>> ListNetworkVolumesAsync(CancellationToken cancellationToken) => _inner.ListNetworkVolumesAsync(cancellationToken);
    }
}
