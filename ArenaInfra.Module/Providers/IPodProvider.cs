using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.RunPod;

namespace ArenaInfra.Providers
{
    /// <summary>
    /// A maker of machines other than RunPod (machines made by hand, Vast.ai), as the fleet asks it.
    /// RunPod stays behind IRunPodApi; ProviderFleet puts the others beside it, so every command that
    /// works on pods works on theirs. A provider's pods carry its Provider and ids it owns (Owns), so
    /// an action on a pod reaches the provider that made it and no other.
    /// </summary>
    internal interface IPodProvider
    {
        ArenaProvider Provider { get; }

        /// <summary>True for an id this provider gave (its ids never look like another provider's).</summary>
        bool Owns(string podId);

        /// <summary>Every pod the provider has for this fleet, every page read; throws when the answer is not whole.</summary>
        Task<IReadOnlyList<ArenaPod>> ListPodsAsync(CancellationToken cancellationToken);

        /// <summary>The pod, or null when the provider has none with that id.</summary>
        Task<ArenaPod?> GetPodAsync(string podId, CancellationToken cancellationToken);

        /// <summary>One create request, never repeated on an unclear failure. NotSupportedByProvider when the provider cannot make machines.</summary>
        Task<ArenaPod> CreatePodAsync(PodCreateSpec spec, CancellationToken cancellationToken);

        /// <summary>Stops the pod and returns once the provider confirmed it; NotSupportedByProvider when it cannot.</summary>
        Task StopPodAsync(string podId, CancellationToken cancellationToken);

        Task<ArenaPod> StartPodAsync(string podId, int gpuCount, CancellationToken cancellationToken);

        Task TerminatePodAsync(string podId, CancellationToken cancellationToken);
    }
}
