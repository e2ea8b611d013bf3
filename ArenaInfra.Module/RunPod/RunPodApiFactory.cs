using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using ArenaInfra.Pods;
using ArenaInfra.RunPod.GraphQl;

namespace ArenaInfra.RunPod
{
    /// <summary>
    /// The one place a RunPod client is made: the backend the config names (RUNPOD_API: rest, the
    /// default, or graphql until RunPod retires it) over the shared HTTP layer (pacing, retries), with
    /// what is not transport around it, so both backends share it.
    /// </summary>
    internal static class RunPodApiFactory
    {
        public static IRunPodApi Create(ArenaConfig config, string userAgent, IArenaLog log) =>
            Create(config.Api, RunPodClientOptions.From(config, userAgent, log), PodMapper.For(config));

        public static IRunPodApi Create(string api, RunPodClientOptions options, PodMapper mapper)
        {
            var backend = InProcessRunPods.At(options.BaseUri, mapper) ?? Backend(api, new RunPodHttp(options), mapper);
            return Over(backend, options.Log);
        }

        private static IRunPodBackend Backend(string api, RunPodHttp http, PodMapper mapper) =>
            api == "graphql" ? new GraphQlApi(http, mapper) : (IRunPodBackend)new RestV2Api(http, mapper);

        /// <summary>What both backends share, around one: actions settled alike, the names kept for completion.</summary>
        internal static IRunPodApi Over(IRunPodBackend backend, IArenaLog log) =>
            new PodNameRemembering(new SettledPodActions(backend, log));
    }

    /// <summary>
    /// RunPods that live in this process, by the base address that names them: what lets tests run the
    /// commands against an in-memory RunPod. Nothing in the module registers one, so every address is
    /// reached over the network as configured.
    /// </summary>
    internal static class InProcessRunPods
    {
        private static readonly ConcurrentDictionary<string, Func<PodMapper, IRunPodBackend>> Registered =
            new ConcurrentDictionary<string, Func<PodMapper, IRunPodBackend>>(StringComparer.Ordinal);

        public static void Register(Uri baseUri, Func<PodMapper, IRunPodBackend> backend) => Registered[Key(baseUri)] = backend;

        public static void Remove(Uri baseUri) => Registered.TryRemove(Key(baseUri), out _);

        /// <summary>The backend registered at that address, seeing pods through the caller's mapper; null when none is.</summary>
        public static IRunPodBackend? At(Uri baseUri, PodMapper mapper) =>
            Registered.IsEmpty || !Registered.TryGetValue(Key(baseUri), out var make) ? null : make(mapper);

        private static string Key(Uri baseUri) => baseUri.AbsoluteUri.TrimEnd('/');
    }

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
        public Task ReadLogsAsync(string podId, int tail, bool follow, string? source, System.Action<PodLogEvent> onLine, CancellationToken cancellationToken) => _inner.ReadLogsAsync(podId, tail, follow, source, onLine, cancellationToken);
    }
}
