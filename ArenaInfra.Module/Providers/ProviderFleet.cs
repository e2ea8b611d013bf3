using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using ArenaInfra.Proxy;
using ArenaInfra.RunPod;

namespace ArenaInfra.Providers
{
    /// <summary>
    /// The fleet when more than RunPod makes its machines: one list of every provider's pods, and each
    /// action sent to the provider that made the pod (by its id: each provider's ids have their own
    /// shape, RunPod's are the rest). A provider that does not answer makes its pods Unknown, as it last
    /// listed them, never gone: everything that reads the list (the proxy, the audit, the ssh config)
    /// then keeps them, and nothing destroys what it cannot see. What only RunPod has (its catalog, lock,
    /// logs, account keys, network volumes) stays RunPod's.
    /// </summary>
    internal sealed class ProviderFleet : IRunPodApi
    {
        private readonly IRunPodApi? _runPod;
        private readonly IReadOnlyList<IPodProvider> _others;
        private readonly ProviderPodRecords _records;
        private readonly IArenaLog _log;

        public ProviderFleet(IRunPodApi? runPod, IReadOnlyList<IPodProvider> others, ProviderPodRecords records, IArenaLog log, ProxyPortPlan? ports = null)
        {
            _runPod = runPod;
            _others = others;
            _records = records;
            _log = log;
            _ports = ports;
        }

        private readonly ProxyPortPlan? _ports;

        public async Task<IReadOnlyList<ArenaPod>> ListPodsAsync(CancellationToken cancellationToken)
        {
            var asked = Sources().Select(s => ListOneAsync(s.Provider, s.List, cancellationToken)).ToList();
            var lists = await Task.WhenAll(asked).ConfigureAwait(false);
            var all = lists.SelectMany(l => l).ToList();
            // Each provider gave ports among its own machines; nginx gives them among the whole fleet's.
            _ports?.Assign(all);
            return all;
        }

        private async Task<IReadOnlyList<ArenaPod>> ListOneAsync(ArenaProvider provider, Func<CancellationToken, Task<IReadOnlyList<ArenaPod>>> list, CancellationToken cancellationToken)
        {
            IReadOnlyList<ArenaPod> pods;
            try
            {
                pods = await list(cancellationToken).ConfigureAwait(false);
            }
            catch (ArenaException e) when (!cancellationToken.IsCancellationRequested && !IsOrganisersToFix(e))
            {
                var reason = TerminalText.Safe(e.Message);
                var last = _records.LastKnown(provider, e.ErrorId);
                if (last == null)
                {
                    // Nothing to stand in for the silent provider: a list without its machines would claim they are gone.
                    throw new ArenaException(e.ErrorId, e.Category,
                        $"{provider} did not answer, and this machine has no earlier list of its machines, so the fleet's list would not be whole: {reason}",
                        e.RecommendedAction, e);
                }
                _log.Warning($"{provider} did not answer ({e.ErrorId}): its {last.Count} machine(s) are shown as last listed, in state Unknown. {reason}");
                return last;
            }
            foreach (var pod in pods) pod.Provider = provider;
            _records.Keep(provider, pods, DateTimeOffset.UtcNow);
            return pods;
        }

        /// <summary>A mistake in this machine's own setup (a bad hosts file, no key) is no silence of the provider: it stops the command, to be fixed.</summary>
        private static bool IsOrganisersToFix(ArenaException e) =>
            e.ErrorId == ArenaErrorIds.ConfigParseError || e.ErrorId == ArenaErrorIds.ConfigFileInvalid || e.ErrorId == ArenaErrorIds.ConfigFileNotFound
            || e.ErrorId == ArenaErrorIds.InvalidConfigValue || e.ErrorId == ArenaErrorIds.ApiKeyMissing;

        private IEnumerable<(ArenaProvider Provider, Func<CancellationToken, Task<IReadOnlyList<ArenaPod>>> List)> Sources()
        {
            if (_runPod != null) yield return (ArenaProvider.RunPod, _runPod.ListPodsAsync);
            foreach (var other in _others) yield return (other.Provider, other.ListPodsAsync);
        }

        public Task<ArenaPod?> GetPodAsync(string podId, CancellationToken cancellationToken) =>
            Owner(podId) is IPodProvider other ? other.GetPodAsync(podId, cancellationToken) : RunPod(podId).GetPodAsync(podId, cancellationToken);

        public Task<ArenaPod> CreatePodAsync(PodCreateSpec spec, CancellationToken cancellationToken)
        {
            if (spec.Provider == ArenaProvider.RunPod) return RunPodFor(spec.Name).CreatePodAsync(spec, cancellationToken);
            var maker = _others.FirstOrDefault(o => o.Provider == spec.Provider)
                ?? throw NotInFleet(spec.Provider, spec.Name);
            return maker.CreatePodAsync(spec, cancellationToken);
        }

        public Task StopPodAsync(string podId, CancellationToken cancellationToken) =>
            Owner(podId) is IPodProvider other ? other.StopPodAsync(podId, cancellationToken) : RunPod(podId).StopPodAsync(podId, cancellationToken);

        public Task<ArenaPod> StartPodAsync(string podId, int gpuCount, CancellationToken cancellationToken) =>
            Owner(podId) is IPodProvider other ? other.StartPodAsync(podId, gpuCount, cancellationToken) : RunPod(podId).StartPodAsync(podId, gpuCount, cancellationToken);

        public Task TerminatePodAsync(string podId, CancellationToken cancellationToken) =>
            Owner(podId) is IPodProvider other ? other.TerminatePodAsync(podId, cancellationToken) : RunPod(podId).TerminatePodAsync(podId, cancellationToken);

        public Task<GpuOffer?> GetGpuOfferAsync(string gpuTypeId, string cloudType, int gpuCount, CancellationToken cancellationToken) =>
            _runPod != null ? _runPod.GetGpuOfferAsync(gpuTypeId, cloudType, gpuCount, cancellationToken) : Task.FromResult<GpuOffer?>(null);

        // Without RunPod in the fleet there is no RunPod account whose keys a pod could get: none is the truth, not a guess.
        public Task<IReadOnlyList<string>> GetAccountSshKeysAsync(CancellationToken cancellationToken) =>
            _runPod != null ? _runPod.GetAccountSshKeysAsync(cancellationToken) : Task.FromResult<IReadOnlyList<string>>(Array.Empty<string>());

        public Task<ArenaPod> SetLockedAsync(string podId, bool locked, CancellationToken cancellationToken) =>
            Owner(podId) is IPodProvider other ? throw RunPodOnly(other.Provider, podId, "a lock") : RunPod(podId).SetLockedAsync(podId, locked, cancellationToken);

        public Task ReadLogsAsync(string podId, int tail, bool follow, string? source, Action<PodLogEvent> onLine, CancellationToken cancellationToken) =>
            Owner(podId) is IPodProvider other ? throw RunPodOnly(other.Provider, podId, "a log service") : RunPod(podId).ReadLogsAsync(podId, tail, follow, source, onLine, cancellationToken);

        public Task<IReadOnlyList<ArenaNetworkVolume>> ListNetworkVolumesAsync(CancellationToken cancellationToken) =>
            _runPod != null ? _runPod.ListNetworkVolumesAsync(cancellationToken) : Task.FromResult<IReadOnlyList<ArenaNetworkVolume>>(Array.Empty<ArenaNetworkVolume>());

        private IPodProvider? Owner(string podId) => _others.FirstOrDefault(o => o.Owns(podId));

        private IRunPodApi RunPod(string podId) => _runPod ?? throw new ArenaException(ArenaErrorIds.PodNotFound, ErrorCategory.ObjectNotFound,
            $"No provider of this fleet has a machine with the id '{TerminalText.Safe(podId)}' (RunPod is not one of its providers: ARENA_PROVIDERS).",
            "Run Get-ArenaPod to see the fleet's machines and their ids.");

        private IRunPodApi RunPodFor(string name) => _runPod ?? throw NotInFleet(ArenaProvider.RunPod, name);

        private static ArenaException NotInFleet(ArenaProvider provider, string name) => new ArenaException(ArenaErrorIds.NotSupportedByProvider, ErrorCategory.InvalidOperation,
            $"{name} was to be made by {provider}, which is not one of this fleet's providers (ARENA_PROVIDERS).",
            $"Add {provider} to ARENA_PROVIDERS, or choose one of the fleet's providers with -Provider.");

        private static ArenaException RunPodOnly(ArenaProvider provider, string podId, string what) => new ArenaException(ArenaErrorIds.NotSupportedByProvider, ErrorCategory.NotImplemented,
            $"The machine {TerminalText.Safe(podId)} is made by {provider}, which has no {what} the module can use: only RunPod's pods have one.",
            "Leave this machine out (choose pods with -Name), or do it in the provider's own console.");
    }
}
