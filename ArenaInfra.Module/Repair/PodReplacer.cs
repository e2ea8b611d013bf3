using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Access;
using ArenaInfra.Backup;
using ArenaInfra.Common;
using ArenaInfra.Operations;
using ArenaInfra.Pods;
using ArenaInfra.Pods.Create;
using ArenaInfra.RunPod;
using ArenaInfra.Ssh;

namespace ArenaInfra.Repair
{
    /// <summary>What a replacement does after the new pod answers SSH.</summary>
    internal sealed class ReplacementPlan
    {
        public PodSetupPlan Setup { get; set; } = new PodSetupPlan();
        /// <summary>Null: no files or branch restored.</summary>
        public RestoreRequest? Restore { get; set; }
        /// <summary>The secrets for each pod (by pod or machine name), set after the restore.</summary>
        public Func<ArenaPod, IReadOnlyList<(string Name, string Value)>>? Secrets { get; set; }
        public string? TestCommand { get; set; }
        public string CondaEnv { get; set; } = "";
        public TimeSpan ReadyTimeout { get; set; } = TimeSpan.FromMinutes(15);
        public TimeSpan StepTimeout { get; set; } = TimeSpan.FromMinutes(10);
        public string PublicKey { get; set; } = "";
        /// <summary>No replacement on a GPU type and cloud dearer than this an hour.</summary>
        public decimal? MaxCostPerHour { get; set; }
        /// <summary>Roster mode: who the new pod must trust, synced right after the setup; null in shared-key mode.</summary>
        public RosterAccess? Access { get; set; }
        /// <summary>Candidates read once for the batch; null to read them for each pod (its own GPU type first).</summary>
        public IReadOnlyList<PodCandidate>? Candidates { get; set; }
    }

    /// <summary>
    /// Replaces one pod under its name: terminate it, create the same pod again (same GPU, image, disks),
    /// wait until SSH answers, set it up, bring its work back, set its secrets and test it. Each step is
    /// timed and recorded; the first that fails ends the pod's replacement and says where. The journal
    /// records the termination and the new pod as they happen, so a run that stopped part of the way is
    /// carried on by the next from there: nothing is terminated or created twice, and the steps after
    /// the create (all safe to repeat) run again. The backup is only ever read.
    /// </summary>
    internal sealed class PodReplacer
    {
        private readonly IRunPodApi _api;
        private readonly ArenaConfig _config;
        private readonly ReplacementPlan _plan;
        private readonly PodRoute _route;
        private readonly SshSettings _settings;
        private readonly RepairJournal _journal;
        private readonly IArenaLog _log;

        public PodReplacer(IRunPodApi api, ArenaConfig config, ReplacementPlan plan, PodRoute route, SshSettings settings, RepairJournal journal, IArenaLog log)
        {
            _api = api;
            _config = config;
            _plan = plan;
            _route = route;
            _settings = settings;
            _journal = journal;
            _log = log;
        }

        public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

        /// <summary>The journal's entry for a pod about to be replaced: a fresh one, or the one an earlier run left.</summary>
        public RepairEntry Entry(string name, ArenaPod? current)
        {
            var entry = _journal.Get(name);
            if (entry != null && (current == null || current.Id == entry.NewPodId || current.Id == entry.OldPodId))
            {
                entry.Resumed = true;
                return entry;
            }
            if (current == null) throw new InvalidOperationException($"{name}: no pod and no replacement in progress");
            return new RepairEntry
            {
                Name = name,
                Machine = current.MachineName,
                OldPodId = current.Id,
                GpuTypeId = current.GpuTypeId,
                GpuCount = current.GpuCount > 0 ? current.GpuCount : _config.GpuCount,
                Image = current.Image,
                DiskSizeGB = current.DiskSizeGB,
                VolumeSizeGB = current.VolumeSizeGB,
                StartedAt = DateTimeOffset.UtcNow,
            };
        }

        /// <summary>Replaces the pod; returns its result, never throws but for cancellation.</summary>
        public async Task<ArenaPodRepairResult> ReplaceAsync(RepairEntry entry, ArenaPod? current, CancellationToken token)
        {
            var clock = Stopwatch.StartNew();
            var result = new ArenaPodRepairResult { Name = entry.Name, MachineName = entry.Machine, PodId = current?.Id, OldPodId = entry.OldPodId };
            var steps = new List<ArenaRepairStep>();
            result.Resumed = entry.Resumed;
            try
            {
                _journal.Put(entry);
                var pod = await Terminate(entry, current, steps, token).ConfigureAwait(false);
                pod = pod ?? await Create(entry, steps, result, token).ConfigureAwait(false);
                result.NewPod = pod;
                result.PodId = pod.Id;
                pod = await WaitForSsh(pod, steps, token).ConfigureAwait(false);
                result.NewPod = pod;
                var target = _route.TargetFor(pod) ?? throw new StepFailed("WaitForSsh", ArenaErrorIds.PodEndpointMissing, _route.NoAddress(pod));
                Ssh(steps, "Setup", new PodSetupOperation(_plan.Setup) { Timeout = _plan.StepTimeout }, target, token, r => string.Join(", ", r.Done));
                // In roster mode a new pod trusts only the organiser until it is synced: its people get in here.
                if (_plan.Access != null) Ssh(steps, "Access", _plan.Access.Operation(_plan.StepTimeout), target, token, r => r.Participants.Length == 0 ? "the organiser only" : string.Join(", ", r.Participants));
                ArenaPodRestoreResult? branchLeftOut = null;
                if (_plan.Restore != null)
                {
                    var restored = Ssh(steps, "Restore", new PodRestoreOperation(_plan.Restore) { Timeout = _plan.StepTimeout }, target, token,
                        r => $"{r.Files} file(s), {r.Bytes / 1048576.0:0.0} MB from {r.Label ?? "no backup"}{(r.Branch == null ? "" : $"; {r.Branch}: {r.BranchStatus}")}{(r.Skipped.Length > 0 ? $"; {r.Skipped.Length} skipped" : "")}",
                        BranchLeftOut);
                    result.RestoredFrom = restored.Source;
                    if (BranchLeftOut(restored)) branchLeftOut = restored;
                }
                else
                {
                    steps.Add(new ArenaRepairStep { Step = "Restore", Skipped = true, Succeeded = true, Detail = "not asked for" });
                }
                var secrets = _plan.Secrets?.Invoke(pod) ?? Array.Empty<(string, string)>();
                if (secrets.Count > 0) Ssh(steps, "Secrets", new PodSecretOperation(_ => secrets) { Timeout = _plan.StepTimeout }, target, token, r => string.Join(", ", r.Variables));
                else steps.Add(new ArenaRepairStep { Step = "Secrets", Skipped = true, Succeeded = true, Detail = "none given" });
                Ssh(steps, "Test", new PodTestOperation(_plan.TestCommand, _plan.CondaEnv) { Timeout = _plan.StepTimeout }, target, token, r => r.GpuName ?? "passed");
                _journal.Remove(entry.Name);
                if (branchLeftOut != null)
                {
                    // Every other step is done, and a second run would meet the same branch: no advice to run again.
                    result.FailedStep = "Restore";
                    result.ErrorId = branchLeftOut.ErrorId;
                    result.Error = $"{branchLeftOut.Error} The replacement is otherwise done (set up, files restored, tested); bring the course repo back with Restore-ArenaPod -FromBranch once the branch is right.";
                }
                else result.Succeeded = true;
            }
            catch (StepFailed e)
            {
                result.FailedStep = e.Step;
                result.ErrorId = e.ErrorId;
                result.Error = AgainWouldFail.TryGetValue(e.ErrorId, out var instead)
                    ? $"{e.Message}; the same parameters would stop here again: {instead} (the new pod is kept, the backup is untouched)"
                    : $"{e.Message}; run Repair-ArenaPod again to carry on from here (the backup is untouched)";
            }
            result.Steps = steps.ToArray();
            result.Duration = clock.Elapsed;
            return result;
        }

        private async Task<ArenaPod?> Terminate(RepairEntry entry, ArenaPod? current, List<ArenaRepairStep> steps, CancellationToken token)
        {
            if (current != null && current.Id == entry.NewPodId)
            {
                steps.Add(new ArenaRepairStep { Step = "Terminate", Skipped = true, Succeeded = true, Detail = $"done by an earlier run ({entry.OldPodId})" });
                steps.Add(new ArenaRepairStep { Step = "Create", Skipped = true, Succeeded = true, Detail = $"done by an earlier run ({current.Id})" });
                return current;
            }
            if (entry.Terminated || current == null || current.Status == ArenaPodStatus.Terminated)
            {
                steps.Add(new ArenaRepairStep { Step = "Terminate", Skipped = true, Succeeded = true, Detail = $"{entry.OldPodId} is gone already" });
                entry.Terminated = true;
                _journal.Put(entry);
                return null;
            }
            await Api(steps, "Terminate", async () =>
            {
                await _api.TerminatePodAsync(current.Id, token).ConfigureAwait(false);
                entry.Terminated = true;
                _journal.Put(entry);
                return $"terminated {current.Id}";
            }).ConfigureAwait(false);
            return null;
        }

        private async Task<ArenaPod> Create(RepairEntry entry, List<ArenaRepairStep> steps, ArenaPodRepairResult result, CancellationToken token)
        {
            ArenaPod? created = null;
            await Api(steps, "Create", async () =>
            {
                // An earlier run's new pod that is still there is carried on with, not created again.
                if (entry.NewPodId != null)
                {
                    var earlier = await _api.GetPodAsync(entry.NewPodId, token).ConfigureAwait(false);
                    if (earlier != null && earlier.Status != ArenaPodStatus.Terminated)
                    {
                        created = earlier;
                        return $"carried on with {earlier.Id}, created by an earlier run";
                    }
                }
                var gpuCount = entry.GpuCount > 0 ? entry.GpuCount : _config.GpuCount;
                var spec = new PodCreateSpec
                {
                    Name = entry.Name,
                    MachineName = entry.Machine ?? entry.Name,
                    ImageName = entry.Image ?? _config.Image,
                    GpuTypeId = entry.GpuTypeId ?? _config.GpuTypes[0],
                    GpuCount = gpuCount,
                    CloudType = _config.CloudTypes[0],
                    ContainerDiskInGb = entry.DiskSizeGB ?? _config.DiskSizeGB,
                    VolumeInGb = entry.VolumeSizeGB ?? _config.VolumeSizeGB,
                    PublicKey = _plan.PublicKey,
                };
                // The old pod's GPU type first, then the organiser's other choices, on each cloud in order.
                var gpuTypes = new[] { spec.GpuTypeId }.Concat(_config.GpuTypes).Distinct(StringComparer.Ordinal).ToArray();
                var candidates = _plan.Candidates ?? await CapacityPlan.ReadAsync(_api, gpuTypes, _config.CloudTypes, gpuCount, _plan.MaxCostPerHour, _log, token).ConfigureAwait(false);
                var hopeless = CapacityPlan.Hopeless(candidates, waiting: false);
                if (hopeless != null) throw hopeless;
                var (made, got) = await new CapacityFallback(new PodCreator(_api, _log, journal: CreateJournal.Open()), _log).CreateAsync(spec, CapacityPlan.ToTry(candidates, false), null, token).ConfigureAwait(false);
                created = made;
                created.CloudType = got.Cloud;
                entry.NewPodId = created.Id;
                _journal.Put(entry);
                result.GpuType = got.GpuTypeId;
                result.CloudType = got.Cloud;
                return $"created {created.Id} ({spec.GpuCount} x {got.GpuTypeId}, {got.Cloud})";
            }).ConfigureAwait(false);
            return created!;
        }

        private async Task<ArenaPod> WaitForSsh(ArenaPod pod, List<ArenaRepairStep> steps, CancellationToken token)
        {
            ArenaPod? ready = null;
            await Api(steps, "WaitForSsh", async () =>
            {
                var waiter = new PodReadinessWaiter(_api, _log) { PollInterval = PollInterval };
                var failures = await waiter.WaitAsync(new[] { pod }, _plan.ReadyTimeout, p => ready = p, (_, __) => { }, token).ConfigureAwait(false);
                if (failures.Count > 0) throw failures[0].Error;
                return $"SSH answers at {ready!.PublicIp}:{ready.SshPort}";
            }).ConfigureAwait(false);
            return ready!;
        }

        private static async Task Api(List<ArenaRepairStep> steps, string name, Func<Task<string>> work)
        {
            var clock = Stopwatch.StartNew();
            try
            {
                var detail = await work().ConfigureAwait(false);
                steps.Add(new ArenaRepairStep { Step = name, Succeeded = true, Duration = clock.Elapsed, Detail = detail });
            }
            catch (ArenaException e)
            {
                steps.Add(new ArenaRepairStep { Step = name, Succeeded = false, Duration = clock.Elapsed, Detail = e.Message });
                throw new StepFailed(name, e.ErrorId, e.Message);
            }
        }

        /// <summary>Failures a second run with the same parameters meets again, and what carries the replacement on instead.</summary>
        private static readonly Dictionary<string, string> AgainWouldFail = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ArenaErrorIds.BackupNotFound] = "run Repair-ArenaPod again with -BackupSource and -BackupLabel naming a backup that holds the pod to carry on from here",
            [ArenaErrorIds.BranchNotFound] = "run Repair-ArenaPod again without -FromBranch to carry on from here",
            [ArenaErrorIds.BranchChanged] = "run Repair-ArenaPod again without -FromBranch to carry on from here, and look at the branch's commits",
        };

        /// <summary>A restore whose branch was missing or refused while the rest of it went through: the replacement goes on.</summary>
        private static bool BranchLeftOut(ArenaPodRestoreResult r) =>
            !r.Succeeded && r.FailedStep == "Branch" && (r.BranchStatus == ArenaBranchRestoreStatus.NotFound || r.BranchStatus == ArenaBranchRestoreStatus.Refused);

        private T Ssh<T>(List<ArenaRepairStep> steps, string name, PodOperation<T> operation, SshTarget target, CancellationToken token, Func<T, string> detail, Func<T, bool>? goesOn = null)
            where T : ArenaPodOperationResult, new()
        {
            var clock = Stopwatch.StartNew();
            var result = operation.Run(target, _settings, token);
            if (!result.Succeeded && goesOn != null && goesOn(result))
            {
                steps.Add(new ArenaRepairStep { Step = name, Succeeded = false, Duration = clock.Elapsed, Detail = $"{result.FailedStep}: {result.Error} ({detail(result)})" });
                return result;
            }
            if (!result.Succeeded)
            {
                var error = $"{result.FailedStep}: {result.Error}";
                steps.Add(new ArenaRepairStep { Step = name, Succeeded = false, Duration = clock.Elapsed, Detail = error });
                throw new StepFailed(name, result.ErrorId ?? ArenaErrorIds.PodOperationFailed, error);
            }
            steps.Add(new ArenaRepairStep { Step = name, Succeeded = true, Duration = clock.Elapsed, Detail = detail(result) });
            return result;
        }

        private sealed class StepFailed : Exception
        {
            public StepFailed(string step, string errorId, string message) : base(message)
            {
                Step = step;
                ErrorId = errorId;
            }

            public string Step { get; }
            public string ErrorId { get; }
        }
    }
}
