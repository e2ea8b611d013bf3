using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Config;
using ArenaInfra.Ssh;

namespace ArenaInfra.RunPod
{
    /// <summary>Which pods New-ArenaPod is asked for, and what may differ from the config.</summary>
    internal sealed class PodCreationRequest
    {
        /// <summary>-Count: the first N names of MachineNames.</summary>
        public int? Count { get; set; }
        /// <summary>-Add: N more pods, with the next names no pod uses yet.</summary>
        public int? Add { get; set; }
        /// <summary>-Name: machine names or full pod names.</summary>
        public IReadOnlyList<string> Names { get; set; } = Array.Empty<string>();
        public string? GpuType { get; set; }
        public int? GpuCount { get; set; }
        public string? CloudType { get; set; }
        public string? Image { get; set; }
        public int? DiskSizeGB { get; set; }
        public int? VolumeSizeGB { get; set; }
    }

    /// <summary>What New-ArenaPod will create, what it skips, and what it costs: all known before the one confirmation.</summary>
    internal sealed class PodCreationPlan
    {
        public PodCreationPlan(PodNamePlan names, IReadOnlyList<PodCreateSpec> specs, decimal? pricePerPod, string? availability)
        {
            Names = names;
            Specs = specs;
            PricePerPod = pricePerPod;
            Availability = availability;
        }

        public PodNamePlan Names { get; }
        public IReadOnlyList<PodCreateSpec> Specs { get; }
        public decimal? PricePerPod { get; }
        /// <summary>The catalog's stock of the GPU type in that cloud (NONE, LOW, MEDIUM, HIGH); null when not known.</summary>
        public string? Availability { get; }

        /// <summary>"Create 2 pods with 1 x NVIDIA RTX A4000 (COMMUNITY), about 0.34 USD/hour in all (0.170 per pod): camp-echo, camp-foxtrot".</summary>
        public string Action
        {
            get
            {
                var first = Specs[0];
                var cost = PricePerPod == null
                    ? "RunPod gave no price, so the cost is not known"
                    : string.Format(CultureInfo.InvariantCulture, "about {0:0.00} USD/hour in all ({1:0.000} per pod)", PricePerPod.Value * Specs.Count, PricePerPod.Value);
                var stock = Availability == null ? "" : $", RunPod's stock {Availability}";
                return $"Create {Specs.Count} pod{(Specs.Count == 1 ? "" : "s")} with {first.GpuCount} x {first.GpuTypeId} ({first.CloudType}), {cost}{stock}: {string.Join(", ", Specs.Select(s => s.Name))}";
            }
        }

        public ArenaPodCreationSummary Summary(IEnumerable<ArenaPod> created, IEnumerable<string> failed)
        {
            var made = created.Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray();
            return new ArenaPodCreationSummary
            {
                Requested = Specs.Count + Names.Existing.Count,
                Skipped = Names.Existing.ToArray(),
                Created = made,
                Failed = failed.OrderBy(n => n, StringComparer.Ordinal).ToArray(),
                EstimatedCostPerHour = PricePerPod * made.Length,
            };
        }
    }

    /// <summary>Plans a New-ArenaPod run: the shared public key first, then the names against one fresh list, then the price.</summary>
    internal static class PodCreationPlanner
    {
        public static async Task<PodCreationPlan> PlanAsync(IRunPodApi api, ArenaConfig config, PodCreationRequest request, IArenaLog log, CancellationToken cancellationToken, CreateJournal? journal = null)
        {
            // Before anything else: a pod nobody can log into is money wasted.
            var publicKey = PublicKeyReader.Read(config.SharedKeyPath, log);
            var existing = await api.ListPodsAsync(cancellationToken).ConfigureAwait(false);
            var existingNames = new HashSet<string>(existing.Where(p => p.Status != ArenaPodStatus.Terminated).Select(p => p.Name), StringComparer.Ordinal);
            // A create an interrupted run sent may still become a pod: its name counts as taken for a while.
            foreach (var pending in journal?.Pending() ?? new Dictionary<string, DateTimeOffset>())
            {
                if (existingNames.Contains(pending.Key))
                {
                    journal!.End(pending.Key);
                }
                else
                {
                    existingNames.Add(pending.Key);
                    log.Warning($"{pending.Key}: a create for it was sent at {pending.Value.ToLocalTime():HH:mm:ss} by a run that was stopped before RunPod answered; it may still appear, so it is not created again now. Look again with Get-ArenaPod in a few minutes (after {CreateJournal.MaxAge.TotalMinutes:0} minutes it is forgotten).");
                }
            }
            var names = request.Count is int count ? PodNamePlanner.FirstOfList(config, count, existingNames)
                : request.Add is int add ? PodNamePlanner.NextUnused(config, add, existingNames)
                : PodNamePlanner.Named(config, request.Names, existingNames);
            var specs = names.ToCreate.Select(p => new PodCreateSpec
            {
                Name = p.PodName,
                MachineName = p.MachineName,
                ImageName = request.Image ?? config.Image,
                GpuTypeId = request.GpuType ?? config.GpuType,
                GpuCount = request.GpuCount ?? config.GpuCount,
                CloudType = (request.CloudType ?? config.CloudType).ToUpperInvariant(),
                ContainerDiskInGb = request.DiskSizeGB ?? config.DiskSizeGB,
                VolumeInGb = request.VolumeSizeGB ?? config.VolumeSizeGB,
                PublicKey = publicKey,
            }).ToList();
            var offer = specs.Count == 0 ? null : await OfferAsync(api, specs[0], log, cancellationToken).ConfigureAwait(false);
            return new PodCreationPlan(names, specs, offer?.PricePerGpu * specs.FirstOrDefault()?.GpuCount, offer?.Availability);
        }

        /// <summary>The catalog's price and stock, or null: a missing price never stops a create.</summary>
        private static async Task<GpuOffer?> OfferAsync(IRunPodApi api, PodCreateSpec spec, IArenaLog log, CancellationToken cancellationToken)
        {
            try
            {
                var offer = await api.GetGpuOfferAsync(spec.GpuTypeId, spec.CloudType, spec.GpuCount, cancellationToken).ConfigureAwait(false);
                if (offer?.Availability == "NONE") log.Warning($"RunPod's catalog shows no {spec.GpuTypeId} free on {spec.CloudType} now: the creates may fail for lack of capacity.");
                return offer;
            }
            catch (ArenaException e)
            {
                log.Verbose($"No price for {spec.GpuTypeId}: {e.Message}");
                return null;
            }
        }
    }
}
