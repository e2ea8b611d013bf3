using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using ArenaInfra.Config;
using ArenaInfra.RunPod;
using ArenaInfra.Ssh;

namespace ArenaInfra.Pods.Create
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
        /// <summary>-GpuType: one or several, in order of preference; null for the config's.</summary>
        public IReadOnlyList<string>? GpuTypes { get; set; }
        public int? GpuCount { get; set; }
        /// <summary>-CloudType: one or several, in order; null for the config's.</summary>
        public IReadOnlyList<string>? CloudTypes { get; set; }
        /// <summary>-MaxCostPerHour: no candidate dearer than this a pod.</summary>
        public decimal? MaxCostPerHour { get; set; }
        /// <summary>-WaitForCapacity: how long refused pods are tried again.</summary>
        public TimeSpan? WaitForCapacity { get; set; }
        public string? Image { get; set; }
        public int? DiskSizeGB { get; set; }
        public int? VolumeSizeGB { get; set; }
        /// <summary>-Provider: who makes the pods (RunPod unless said otherwise); it must be one of the fleet's providers.</summary>
        public ArenaProvider Provider { get; set; } = ArenaProvider.RunPod;

        /// <summary>A volume below RunPod's smallest: refused before anything is planned.</summary>
        public static ArenaException? VolumeRefusal(int? volumeSizeGB) =>
            volumeSizeGB is int volume && volume > 0 && volume < ConfigValueConverter.MinimumVolumeGB
                ? new ArenaException(ArenaErrorIds.InvalidArgument, System.Management.Automation.ErrorCategory.InvalidArgument,
                    $"-VolumeSizeGB {volume} is below RunPod's smallest volume of {ConfigValueConverter.MinimumVolumeGB} GB; nothing was created.",
                    $"Give 0 for no volume, or at least {ConfigValueConverter.MinimumVolumeGB}.")
                : null;
    }

    /// <summary>What New-ArenaPod will create, what it skips, where it may put the pods and what they cost: all known before the one confirmation.</summary>
    internal sealed class PodCreationPlan
    {
        public PodCreationPlan(PodNamePlan names, IReadOnlyList<PodCreateSpec> specs, IReadOnlyList<PodCandidate> candidates, TimeSpan? waitForCapacity)
        {
            Names = names;
            Specs = specs;
            Candidates = candidates;
            WaitForCapacity = waitForCapacity;
        }

        public PodNamePlan Names { get; }
        public IReadOnlyList<PodCreateSpec> Specs { get; }
        /// <summary>Every GPU type and cloud considered, in order, with price, stock and why any is left out.</summary>
        public IReadOnlyList<PodCandidate> Candidates { get; }
        public TimeSpan? WaitForCapacity { get; }
        /// <summary>The candidates each create tries, in order.</summary>
        public IReadOnlyList<PodCandidate> ToTry => CapacityPlan.ToTry(Candidates, WaitForCapacity != null);
        public decimal? PricePerPod => ToTry.FirstOrDefault()?.PricePerHour;

        /// <summary>"Create 2 pods with 1 x NVIDIA RTX A4000 (COMMUNITY), about 0.34 USD/hour in all (0.170 per pod): camp-echo, camp-foxtrot".</summary>
        public string Action
        {
            get
            {
                var first = Specs[0];
                var cost = first.Provider != ArenaProvider.RunPod
                    ? $"made by {first.Provider} at its cheapest matching offer's price, known once rented"
                    : PricePerPod == null
                    ? "RunPod gave no price, so the cost is not known"
                    : string.Format(CultureInfo.InvariantCulture, "about {0:0.00} USD/hour in all ({1:0.000} per pod)", PricePerPod.Value * Specs.Count, PricePerPod.Value);
                var names = string.Join(", ", Specs.Select(s => s.Name));
                var wait = WaitForCapacity == null ? "" : $"; refused pods are tried again for {WaitForCapacity.Value:hh\\:mm\\:ss}";
                var best = ToTry.FirstOrDefault();
                if (Candidates.Count <= 1 && best != null)
                {
                    var stock = best.Availability == null ? "" : $", RunPod's stock {best.Availability}";
                    return $"Create {Specs.Count} pod{(Specs.Count == 1 ? "" : "s")} with {first.GpuCount} x {best.GpuTypeId} ({best.Cloud}), {cost}{stock}{wait}: {names}";
                }
                return $"Create {Specs.Count} pod{(Specs.Count == 1 ? "" : "s")}, {cost} at the first candidate's price; candidates in order: {CapacityPlan.Describe(Candidates, first.GpuCount)}{wait}: {names}";
            }
        }

        public ArenaPodCreationSummary Summary(IEnumerable<ArenaPod> created, IEnumerable<string> failed)
        {
            var pods = created.OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
            return new ArenaPodCreationSummary
            {
                Requested = Specs.Count + Names.Existing.Count,
                Skipped = Names.Existing.ToArray(),
                Created = pods.Select(p => p.Name).ToArray(),
                Failed = failed.OrderBy(n => n, StringComparer.Ordinal).ToArray(),
                EstimatedCostPerHour = pods.Count == 0 ? (decimal?)0 : pods.All(p => p.CostPerHour != null) ? pods.Sum(p => p.CostPerHour!.Value) : PricePerPod * pods.Count,
                Placements = pods.Select(p => string.Format(CultureInfo.InvariantCulture, "{0}: {1} on {2}{3}", p.Name, p.GpuTypeId, p.CloudType,
                    p.CostPerHour == null ? "" : string.Format(CultureInfo.InvariantCulture, " ({0:0.000} USD/h)", p.CostPerHour))).ToArray(),
            };
        }
    }

    /// <summary>Plans a New-ArenaPod run: the shared public key first, then the names against one fresh list, then the price.</summary>
    internal static class PodCreationPlanner
    {
        public static async Task<PodCreationPlan> PlanAsync(IRunPodApi api, ArenaConfig config, PodCreationRequest request, IArenaLog log, CancellationToken cancellationToken, CreateJournal? journal = null)
        {
            // Before anything is read or sent: a fleet of RunPod alone would make the pod on RunPod, whatever was asked.
            if (!config.Providers.Contains(request.Provider))
            {
                throw new ArenaException(ArenaErrorIds.NotSupportedByProvider, System.Management.Automation.ErrorCategory.InvalidArgument,
                    $"-Provider {request.Provider} is not one of this fleet's providers ({string.Join(", ", config.Providers)}); nothing was created.",
                    $"Add {request.Provider} to ARENA_PROVIDERS in the config, or leave -Provider out.");
            }
            // Machines made by hand have no maker the module can ask: refused before the question, not after it.
            if (request.Provider == ArenaProvider.Static)
            {
                throw new ArenaException(ArenaErrorIds.NotSupportedByProvider, System.Management.Automation.ErrorCategory.InvalidArgument,
                    "-Provider Static: machines made by hand (the hosts file, ARENA_HOSTS) are made by their owner, not by New-ArenaPod; nothing was created.",
                    "Add the machine's line to the hosts file (ARENA_HOSTS) once it exists, or give -Provider RunPod or Vast.");
            }
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
            foreach (var pod in existing.Where(p => p.Provider == ArenaProvider.Static && names.Existing.Contains(p.Name))) names.MadeByHand[pod.Name] = pod;
            var gpuTypes = request.GpuTypes != null && request.GpuTypes.Count > 0 ? request.GpuTypes.Distinct(StringComparer.Ordinal).ToArray() : config.GpuTypes;
            var clouds = request.CloudTypes != null && request.CloudTypes.Count > 0 ? ArenaConfig.ExpandClouds(request.CloudTypes) : config.CloudTypes;
            var gpuCount = request.GpuCount ?? config.GpuCount;
            // Once a batch, and before the confirmation: a failed read buys nothing.
            if (names.ToCreate.Count > 0) publicKey = await AccountSshKeys.MergeAsync(api, config, publicKey, log, cancellationToken).ConfigureAwait(false);
            var specs = names.ToCreate.Select(p => new PodCreateSpec
            {
                Name = p.PodName,
                MachineName = p.MachineName,
                ImageName = request.Image ?? config.Image,
                GpuTypeId = gpuTypes[0],
                GpuCount = gpuCount,
                CloudType = clouds[0],
                ContainerDiskInGb = request.DiskSizeGB ?? config.DiskSizeGB,
                VolumeInGb = request.VolumeSizeGB ?? config.VolumeSizeGB,
                PublicKey = publicKey,
                Provider = request.Provider,
                MaxPricePerHour = request.MaxCostPerHour,
            }).ToList();
            // RunPod's catalog says nothing of another provider's market: each GPU type is a candidate, its price that provider's to find.
            var candidates = specs.Count == 0 ? new List<PodCandidate>()
                : request.Provider != ArenaProvider.RunPod ? gpuTypes.Select(g => new PodCandidate(g, clouds[0])).ToList()
                : await CapacityPlan.ReadAsync(api, gpuTypes, clouds, gpuCount, request.MaxCostPerHour, log, cancellationToken).ConfigureAwait(false);
            foreach (var candidate in candidates.Where(c => c.NoStockOnly)) log.Warning($"RunPod's catalog shows no {candidate.GpuTypeId} free on {candidate.Cloud} now{(request.WaitForCapacity == null ? "; it is left out" : "; it is tried while waiting for capacity")}.");
            return new PodCreationPlan(names, specs, candidates, request.WaitForCapacity);
        }
    }
}
