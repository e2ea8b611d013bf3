using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using ArenaInfra.RunPod;

namespace ArenaInfra.Pods.Create
{
    /// <summary>One GPU type on one cloud that a pod may get, with what the catalog says of it now.</summary>
    internal sealed class PodCandidate
    {
        public PodCandidate(string gpuTypeId, string cloud)
        {
            GpuTypeId = gpuTypeId;
            Cloud = cloud;
        }

        public string GpuTypeId { get; }
        public string Cloud { get; }
        /// <summary>What one pod costs an hour here (price a GPU times the count); null when the catalog gave no price.</summary>
        public decimal? PricePerHour { get; set; }
        /// <summary>The catalog's stock: NONE, LOW, MEDIUM, HIGH; null when the API does not say.</summary>
        public string? Availability { get; set; }
        /// <summary>Why it is not tried; null for a candidate that is.</summary>
        public string? LeftOut { get; set; }
        /// <summary>Left out only for having no stock now: still worth trying while waiting for capacity.</summary>
        public bool NoStockOnly { get; set; }
        /// <summary>The catalog has no such GPU type.</summary>
        public bool Unknown { get; set; }

        public override string ToString() =>
            $"{GpuTypeId} on {Cloud}" + (PricePerHour == null ? "" : string.Format(CultureInfo.InvariantCulture, " {0:0.000} USD/h", PricePerHour.Value))
            + (Availability == null ? "" : $" (stock {Availability})");
    }

    /// <summary>
    /// The candidates for a create when GPUs are scarce, as RunPod advises: read the catalog for every
    /// GPU type and cloud the organiser accepts (price and stock at the pod's GPU count), keep the
    /// organiser's order, and leave out what has no stock, costs more than the cap, or is unknown.
    /// </summary>
    internal static class CapacityPlan
    {
        public static async Task<List<PodCandidate>> ReadAsync(IRunPodApi api, IReadOnlyList<string> gpuTypes, IReadOnlyList<string> clouds, int gpuCount,
            decimal? maxCostPerHour, IArenaLog log, CancellationToken cancellationToken)
        {
            var candidates = new List<PodCandidate>();
            foreach (var gpu in gpuTypes)
            {
                foreach (var cloud in clouds)
                {
                    var candidate = new PodCandidate(gpu, cloud);
                    candidates.Add(candidate);
                    GpuOffer? offer;
                    try
                    {
                        offer = await api.GetGpuOfferAsync(gpu, cloud, gpuCount, cancellationToken).ConfigureAwait(false);
                    }
                    catch (ArenaException e) when (e.ErrorId != ArenaErrorIds.AuthenticationFailed && e.ErrorId != ArenaErrorIds.ApiRetired)
                    {
                        // A catalog that does not answer never stops a create: the candidate is tried without a price.
                        log.Verbose($"No price for {gpu} on {cloud}: {e.Message}");
                        if (maxCostPerHour != null) candidate.LeftOut = "no price to check against -MaxCostPerHour";
                        continue;
                    }
                    if (offer == null)
                    {
                        candidate.Unknown = true;
                        candidate.LeftOut = "RunPod's catalog does not know this GPU type";
                        continue;
                    }
                    if (offer.NotOffered != null)
                    {
                        // Not a stock question: waiting never makes it available, and its "price" is no price.
                        candidate.LeftOut = offer.NotOffered;
                        continue;
                    }
                    candidate.PricePerHour = offer.PricePerGpu * gpuCount;
                    candidate.Availability = offer.Availability;
                    if (maxCostPerHour != null && (candidate.PricePerHour == null || candidate.PricePerHour > maxCostPerHour))
                    {
                        candidate.LeftOut = candidate.PricePerHour == null ? "no price to check against -MaxCostPerHour"
                            : string.Format(CultureInfo.InvariantCulture, "{0:0.000} USD/h is over -MaxCostPerHour {1:0.000}", candidate.PricePerHour, maxCostPerHour);
                    }
                    else if (string.Equals(offer.Availability, "NONE", StringComparison.OrdinalIgnoreCase))
                    {
                        candidate.LeftOut = "no stock now";
                        candidate.NoStockOnly = true;
                    }
                }
            }
            return candidates;
        }

        /// <summary>Why nothing can be created, before anything is: every GPU type unknown, or every candidate left out.</summary>
        public static ArenaException? Hopeless(IReadOnlyList<PodCandidate> candidates, bool waiting)
        {
            if (candidates.All(c => c.Unknown))
            {
                var names = string.Join("', '", candidates.Select(c => c.GpuTypeId).Distinct());
                return new ArenaException(ArenaErrorIds.InvalidArgument, ErrorCategory.InvalidArgument,
                    $"The GPU type '{names}' is unknown to RunPod's catalog; nothing was created.",
                    "Give a GPU type id as RunPod names it, such as 'NVIDIA RTX A4000' (press Tab after -GpuType for the list).");
            }
            if (candidates.Any(c => c.LeftOut == null || (waiting && c.NoStockOnly))) return null;
            return new ArenaException(ArenaErrorIds.CapacityUnavailable, ErrorCategory.ResourceUnavailable,
                $"No GPU type and cloud can be had now; nothing was created: {string.Join("; ", candidates.Select(c => $"{c} {c.LeftOut}"))}.",
                "Add GPU types or clouds to try (-GpuType, -CloudType take several, in order), raise -MaxCostPerHour, or wait for stock with -WaitForCapacity.");
        }

        /// <summary>The candidates a create tries, in order: those not left out, and while waiting also those with no stock now.</summary>
        public static IReadOnlyList<PodCandidate> ToTry(IReadOnlyList<PodCandidate> candidates, bool waiting) =>
            candidates.Where(c => c.LeftOut == null || (waiting && c.NoStockOnly)).ToList();

        /// <summary>"1 x NVIDIA RTX A4000 on COMMUNITY 0.170 USD/h (stock HIGH), then ...; left out: ...", for the confirmation and -WhatIf.</summary>
        public static string Describe(IReadOnlyList<PodCandidate> candidates, int gpuCount)
        {
            var tried = candidates.Where(c => c.LeftOut == null).Select(c => c.ToString()).ToList();
            var left = candidates.Where(c => c.LeftOut != null).Select(c => $"{c} ({c.LeftOut})").ToList();
            return $"{gpuCount} x " + (tried.Count == 0 ? "(none available now)" : string.Join(", then ", tried)) + (left.Count == 0 ? "" : "; left out: " + string.Join("; ", left));
        }
    }

    /// <summary>
    /// Creates one pod on the first candidate that has capacity: a capacity refusal moves on to the next
    /// candidate; with a deadline, a round where all refused is followed by a wait (doubling, at most 30 s)
    /// and another round, until one answers or the deadline passes. A refusal for lack of funds ends at once.
    /// </summary>
    internal sealed class CapacityFallback
    {
        private readonly PodCreator _creator;
        private readonly IArenaLog _log;

        public CapacityFallback(PodCreator creator, IArenaLog log)
        {
            _creator = creator;
            _log = log;
        }

        public TimeSpan FirstWait { get; set; } = TimeSpan.FromSeconds(2);
        public TimeSpan MaxWait { get; set; } = TimeSpan.FromSeconds(30);

        public async Task<(ArenaPod Pod, PodCandidate Got)> CreateAsync(PodCreateSpec spec, IReadOnlyList<PodCandidate> candidates, DateTime? waitUntil, CancellationToken cancellationToken)
        {
            var refused = new List<string>();
            var wait = FirstWait;
            for (var round = 1; ; round++)
            {
                foreach (var candidate in candidates)
                {
                    var attempt = spec.For(candidate);
                    try
                    {
                        var pod = await _creator.CreateAsync(attempt, cancellationToken).ConfigureAwait(false);
                        if (refused.Count > 0) _log.Verbose($"{spec.Name}: created on {candidate} after {refused.Count} refusal(s).");
                        return (pod, candidate);
                    }
                    catch (ArenaException e) when (e.ErrorId == ArenaErrorIds.CapacityUnavailable)
                    {
                        refused.Add($"{candidate.GpuTypeId} on {candidate.Cloud}");
                        _log.Verbose($"{spec.Name}: no capacity for {candidate} (round {round}); trying the next candidate.");
                    }
                }
                var now = DateTime.UtcNow;
                if (waitUntil == null || now >= waitUntil.Value)
                {
                    throw new ArenaException(ArenaErrorIds.CapacityUnavailable, ErrorCategory.ResourceUnavailable,
                        $"{spec.Name}: not created: every candidate refused for lack of capacity ({string.Join(", ", refused.Distinct())})" + (waitUntil == null ? "." : $", until the -WaitForCapacity deadline {waitUntil.Value.ToLocalTime():HH:mm:ss}."),
                        "Add GPU types or clouds (-GpuType and -CloudType take several, in order), or wait for capacity with -WaitForCapacity 00:30:00.");
                }
                var pause = TimeSpan.FromTicks(Math.Min(wait.Ticks, (waitUntil.Value - now).Ticks));
                _log.Verbose($"{spec.Name}: no candidate has capacity now; trying again in {pause.TotalSeconds:0} s (until {waitUntil.Value.ToLocalTime():HH:mm:ss}).");
                await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
                wait = TimeSpan.FromTicks(Math.Min(MaxWait.Ticks, wait.Ticks * 2));
            }
        }
    }
}
