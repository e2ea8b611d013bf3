using System;
using System.Collections.Generic;
using System.Linq;
using ArenaInfra.Common;
using ArenaInfra.RunPod;

namespace ArenaInfra.Pods.Create
{
    /// <summary>What a creation batch did: the pods it created, the names that failed, and its summary.</summary>
    internal sealed class PodCreationOutcome
    {
        public PodCreationOutcome(IReadOnlyList<ArenaPod> created, IReadOnlyList<string> failed, ArenaPodCreationSummary summary, bool anyFailed)
        {
            Created = created;
            Failed = failed;
            Summary = summary;
            AnyFailed = anyFailed;
        }

        public IReadOnlyList<ArenaPod> Created { get; }
        public IReadOnlyList<string> Failed { get; }
        public ArenaPodCreationSummary Summary { get; }
        /// <summary>A pod failed, or a name was refused: the summary is then shown.</summary>
        public bool AnyFailed { get; }

        /// <summary>
        /// After Ctrl+C while -Wait waited: the pods exist and cost money, so each is named with where it
        /// stood (ready, or its state when created), although the pipeline takes no more output.
        /// </summary>
        public string StoppedWhileWaiting(IReadOnlyCollection<string> ready)
        {
            var pods = Created.Select(p => ready.Contains(p.Name) ? $"{p.Name} (ready)" : $"{p.Name} ({p.Status}, not yet ready)");
            return $"New-ArenaPod was stopped while waiting. Created: {(Created.Count == 0 ? "none" : string.Join(", ", pods))}. " +
                (Created.Count == 0 ? "" : "They exist and are billed: Wait-ArenaPod waits for them again, Get-ArenaPod shows them.");
        }
    }

    /// <summary>
    /// New-ArenaPod's batch: the plan (names against a fresh list, price, capacity), one confirmation, then
    /// every pod created through the capacity fallback, each reported as it is made. The caller holds the
    /// fleet lock from before the plan until this is done.
    /// </summary>
    internal sealed class PodCreationBatch
    {
        private readonly IRunPodApi _api;
        private readonly ArenaConfig _config;
        private readonly CreateJournal _journal;
        private readonly IBatchHost _host;
        private readonly List<ArenaPod> _created = new List<ArenaPod>();
        private readonly List<string> _failed = new List<string>();
        private PodCreationPlan? _sending;

        public PodCreationBatch(IRunPodApi api, ArenaConfig config, CreateJournal journal, IBatchHost host)
        {
            _api = api;
            _config = config;
            _journal = journal;
            _host = host;
        }

        /// <summary>
        /// Plans and creates the pods, handing each to created as it is made. Null when the user did not
        /// confirm. An ArenaException ends the batch before anything is created (no key, no capacity at all).
        /// </summary>
        public PodCreationOutcome? Create(PodCreationRequest request, int throttle, Action<ArenaPod> created)
        {
            var plan = _host.Run(token => PodCreationPlanner.PlanAsync(_api, _config, request, _host.Log, token, _journal));
            foreach (var warning in plan.Names.Warnings) _host.Warning(warning);
            foreach (var name in plan.Names.Existing)
            {
                // Named on its own, a machine made by hand is a create the module cannot make: an error that says what to do by hand.
                if (request.Count == null && request.Add == null && plan.Names.MadeByHand.TryGetValue(name, out var byHand)) _host.PodError(Providers.ProviderLifecycle.Refusal(byHand, "created"), name, byHand);
                else _host.Warning($"{name} exists already; it is not created again.");
            }
            foreach (var (error, name) in plan.Names.Errors) _host.PodError(error, name, name);
            var refusedByHand = request.Count == null && request.Add == null && plan.Names.MadeByHand.Count > 0;
            if (plan.Specs.Count == 0) return new PodCreationOutcome(_created, _failed, plan.Summary(_created, _failed), plan.Names.Errors.Count > 0 || refusedByHand);
            var hopeless = CapacityPlan.Hopeless(plan.Candidates, request.WaitForCapacity != null);
            if (hopeless != null) throw hopeless;
            if (!_host.Confirm(plan.Action, plan.Action + "?", "Create pods")) return null;

            var creator = new CapacityFallback(new PodCreator(_api, _host.Log, journal: _journal), _host.Log);
            var waitUntil = request.WaitForCapacity == null ? (DateTime?)null : DateTime.UtcNow + request.WaitForCapacity.Value;
            var candidates = plan.ToTry;
            _sending = plan;
            _host.RunEach(plan.Specs, throttle, waitUntil == null ? "Creating pods" : $"Creating pods (refused ones tried again until {waitUntil.Value.ToLocalTime():HH:mm:ss})",
                async (spec, token) =>
                {
                    var (made, got) = await creator.CreateAsync(spec, candidates, waitUntil, token).ConfigureAwait(false);
                    made.CloudType = got.Cloud;
                    made.GpuTypeId ??= got.GpuTypeId;
                    made.CostPerHour ??= got.PricePerHour;
                    return made;
                },
                (spec, pod) =>
                {
                    _host.Verbose($"{pod.Name} created ({pod.Id}) with {pod.GpuTypeId} on {pod.CloudType}.");
                    _created.Add(pod);
                    created(pod);
                },
                (spec, error) =>
                {
                    _failed.Add(spec.Name);
                    _host.PodError(error, spec.Name, spec.Name);
                });
            return new PodCreationOutcome(_created, _failed, plan.Summary(_created, _failed), _failed.Count > 0 || plan.Names.Errors.Count > 0 || refusedByHand);
        }

        /// <summary>
        /// After Ctrl+C while pods were being created, which pods may exist: the user must learn it even
        /// though the pipeline takes no more output. Null when it was stopped before any create was sent.
        /// </summary>
        public string? Stopped()
        {
            if (_sending == null) return null;
            var unknown = _sending.Specs.Select(s => s.Name).Where(n => !_failed.Contains(n) && _created.All(p => p.Name != n)).ToList();
            var made = _created.Select(p => p.Name).ToList();
            return $"New-ArenaPod was stopped. Created: {(made.Count == 0 ? "none" : string.Join(", ", made))}." +
                (unknown.Count == 0 ? "" : $" Sent, answer not awaited, so they may still appear: {string.Join(", ", unknown)}. A new New-ArenaPod leaves these names alone for {CreateJournal.MaxAge.TotalMinutes:0} minutes; Get-ArenaPod shows what exists.");
        }
    }
}
