using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using ArenaInfra.Operations;
using ArenaInfra.Pods.Create;
using ArenaInfra.Proxy;
using ArenaInfra.Repair;
using ArenaInfra.RunPod;
using ArenaInfra.Ssh;

namespace ArenaInfra.Deploy
{
    /// <summary>What a deployment did: the results in the order the pods were done, and its summary.</summary>
    internal sealed class DeployOutcome
    {
        public DeployOutcome(IReadOnlyList<ArenaDeployResult> results, ArenaDeploySummary summary, bool anyFailed)
        {
            Results = results;
            Summary = summary;
            AnyFailed = anyFailed;
        }

        public IReadOnlyList<ArenaDeployResult> Results { get; }
        public ArenaDeploySummary Summary { get; }
        public bool AnyFailed { get; }
    }

    /// <summary>
    /// Deploy-ArenaPod's batch: the names planned as New-ArenaPod plans them (existing pods taken as they
    /// are), everything a pod needs read before the one confirmation (keys, roster, secrets, capacity),
    /// then every name on its own way to READY (PodDeployment), each result handed on the moment its pod
    /// is done, and one proxy publish at the end (or one as each pod is READY). The caller holds the fleet
    /// lock from before the plan until this is done.
    /// </summary>
    internal sealed class DeployBatch
    {
        public const string CommandName = "Deploy-ArenaPod";

        private readonly IRunPodApi _api;
        private readonly ArenaConfig _config;
        private readonly DeployOptions _options;
        private readonly CreateJournal _createJournal;
        private readonly DeployJournal _journal;
        private readonly IRepairHost _host;
        private readonly ConcurrentDictionary<string, (ArenaDeployStage Stage, string? PodId)> _where = new ConcurrentDictionary<string, (ArenaDeployStage, string?)>(StringComparer.Ordinal);
        private bool _started;

        public DeployBatch(IRunPodApi api, ArenaConfig config, DeployOptions options, CreateJournal createJournal, DeployJournal journal, IRepairHost host)
        {
            _api = api;
            _config = config;
            _options = options;
            _createJournal = createJournal;
            _journal = journal;
            _host = host;
        }

        /// <summary>How often RunPod is asked, for all waiting pods at once, whether they answer SSH.</summary>
        public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(3);

        /// <summary>
        /// Deploys; done gets each result on the pipeline thread as its pod is done. Null when there was
        /// nothing to do or it was not confirmed. An ArenaException ends the batch before any pod is touched.
        /// </summary>
        public DeployOutcome? Run(Action<ArenaDeployResult> done)
        {
            var request = _options.Request;
            // RunPod's GraphQL API has no lock: say so before a pod is made, not after each one's whole way to Lock.
            if (_options.Lock && _config.Api == "graphql")
            {
                throw new ArenaException(ArenaErrorIds.NotSupported, ErrorCategory.NotImplemented,
                    "-Lock needs RunPod's REST API; this config uses GraphQL (RUNPOD_API=graphql), which has no lock. Nothing was created.",
                    "Set RUNPOD_API=rest in the config (or remove it: rest is the default), or run Deploy-ArenaPod without -Lock.");
            }
            var plan = _host.Run(token => PodCreationPlanner.PlanAsync(_api, _config, request, _host.Log, token, _createJournal));
            foreach (var warning in plan.Names.Warnings) _host.Warning(warning);
            foreach (var (error, name) in plan.Names.Errors) _host.PodError(error, name, name);
            var existing = Existing(plan);
            if (plan.Specs.Count == 0 && existing.Count == 0)
            {
                _host.Verbose("Nothing to deploy: no name was chosen, or every chosen name is taken by a create still pending.");
                return null;
            }
            if (plan.Specs.Count > 0 && CapacityPlan.Hopeless(plan.Candidates, request.WaitForCapacity != null) is ArenaException hopeless) throw hopeless;

            // Everything a pod needs, read before the confirmation: a missing key or a bad CSV touches no pod.
            var setup = PodSetupPlan.From(_config, _options.SkipSetup);
            setup.ReadGitKey();
            var secrets = ReadSecrets(plan, existing);
            var roster = _config.RosterPath == null ? null : _host.LoadRoster();
            var owned = existing.Where(p => _journal.Owns(p.Id, p.Name)).ToList();
            var publicKey = plan.Specs.Count > 0 ? plan.Specs[0].PublicKey : owned.Count == 0 ? "" : ReadPublicKey();
            var candidates = plan.Specs.Count > 0 ? plan.ToTry : owned.Count == 0 ? Array.Empty<PodCandidate>() : ReadCandidates(request);

            var items = plan.Specs.Select(s => new DeployItem(s.Name, s.MachineName, s, null))
                .Concat(existing.Select(p => new DeployItem(p.Name, p.MachineName, SpecOf(p, publicKey, request), p)))
                .ToList();
            var what = Describe(plan, existing, roster != null, secrets != null);
            if (!_host.Confirm(what, what + " Go ahead?", "Deploy pods")) return null;

            var settings = _host.OpenSettings();
            var results = new List<ArenaDeployResult>();
            var publishErrors = new ConcurrentQueue<ArenaException>();
            var publishes = _config.ProxyHost != null && !_options.NoPublish;
            var clock = Stopwatch.StartNew();
            try
            {
                var board = new ReadinessBoard(_api, _host.Log) { PollInterval = PollInterval };
                var throttle = _options.ThrottleLimit > 0 ? _options.ThrottleLimit : _config.ThrottleLimit;
                using var steps = new SshDeploySteps(board, _options.ReadyTimeout, _host.Route(), settings, setup, roster, secrets,
                    () => DeployCheck.For(_config, _options.TestCommand, _options.StepTimeout), _options.StepTimeout, throttle);
                using var createGate = new SemaphoreSlim(Math.Max(1, _options.CreateThrottle));
                using var publishGate = new SemaphoreSlim(1);
                var creator = new CapacityFallback(new PodCreator(_api, _host.Log, journal: _createJournal), _host.Log);
                var waitUntil = request.WaitForCapacity == null ? (DateTime?)null : DateTime.UtcNow + request.WaitForCapacity.Value;
                var deployment = new PodDeployment(_api, steps, new FailedHosts(), _journal, async (spec, token) =>
                {
                    await createGate.WaitAsync(token).ConfigureAwait(false);
                    try
                    {
                        var (made, got) = await creator.CreateAsync(spec, candidates, waitUntil, token).ConfigureAwait(false);
                        made.CloudType = got.Cloud;
                        made.GpuTypeId ??= got.GpuTypeId;
                        made.CostPerHour ??= got.PricePerHour;
                        _host.Log.Verbose($"{made.Name} created ({made.Id}) with {made.GpuTypeId} on {made.CloudType}.");
                        return made;
                    }
                    finally
                    {
                        createGate.Release();
                    }
                }, _host.Log)
                {
                    MaxReplacements = _options.MaxReplacements,
                    Lock = _options.Lock,
                    Entered = (name, stage, podId) =>
                    {
                        _where[name] = (stage, podId);
                        _host.Log.Verbose($"{name}: {stage}{(podId == null ? "" : $" ({podId})")}.");
                    },
                };
                _started = true;
                _host.RunEach(items, items.Count, "Deploying pods",
                    async (item, token) =>
                    {
                        var result = await deployment.RunAsync(item, token).ConfigureAwait(false);
                        if (publishes && _options.PublishEach && result.Status == ArenaDeployStatus.Ready)
                        {
                            await publishGate.WaitAsync(token).ConfigureAwait(false);
                            try
                            {
                                var answer = await Task.Run(() => Publish(token), token).ConfigureAwait(false);
                                _host.Log.Verbose($"{item.Name} is READY; the proxy config published: {answer}");
                            }
                            catch (ArenaException e)
                            {
                                publishErrors.Enqueue(e);
                            }
                            finally
                            {
                                publishGate.Release();
                            }
                        }
                        return result;
                    },
                    (item, result) =>
                    {
                        results.Add(result);
                        done(result);
                        if (result.Status != ArenaDeployStatus.Ready) _host.PodError(Failure(result), result.Name, result);
                    },
                    (item, error) => _host.PodError(error, item.Name, item.Name));
            }
            finally
            {
                _host.Release(settings);
            }
            var published = publishes && publishErrors.IsEmpty;
            while (publishErrors.TryDequeue(out var e)) _host.Error(e, _config.ProxyHost);
            if (publishes && !_options.PublishEach && results.Any(r => r.PodId != null))
            {
                try
                {
                    var answer = _host.Run(token => Task.Run(() => Publish(token), token));
                    _host.Verbose(answer.ToString());
                }
                catch (ArenaException e)
                {
                    published = false;
                    _host.Error(e, _config.ProxyHost);
                }
            }
            var summary = ArenaDeploySummary.Of(items.Count, results, clock.Elapsed.TotalSeconds, published);
            return new DeployOutcome(results, summary, results.Any(r => r.Status != ArenaDeployStatus.Ready) || plan.Names.Errors.Count > 0 || results.Count < items.Count);
        }

        /// <summary>
        /// After Ctrl+C, what exists and where each name was: nothing is terminated on a stop, and the
        /// user must learn it although the pipeline takes no more output. Null when no pod was touched yet.
        /// </summary>
        public string? Stopped()
        {
            if (!_started) return null;
            var lines = _where.OrderBy(w => w.Key, StringComparer.Ordinal)
                .Select(w => w.Value.Stage == ArenaDeployStage.Ready ? $"{w.Key} READY ({w.Value.PodId})"
                    : w.Value.PodId == null ? $"{w.Key} at {w.Value.Stage} (a create may have been sent: it may still appear)"
                    : $"{w.Key} at {w.Value.Stage} ({w.Value.PodId})")
                .ToList();
            // Pod ids come from RunPod: the message reaches the terminal through the filter.
            return TerminalText.SafeLine($"{CommandName} was stopped; nothing was terminated. Where each pod was: {(lines.Count == 0 ? "none had started" : string.Join(", ", lines))}."
                + $" Run {CommandName} again with the same parameters to carry on: the pods there are taken as they are (Get-ArenaPod shows them), and a create still unanswered keeps its name for {CreateJournal.MaxAge.TotalMinutes:0} minutes.");
        }

        /// <summary>The error a scheduled script sees for a pod that did not reach READY.</summary>
        internal static ArenaException Failure(ArenaDeployResult result)
        {
            var error = new ArenaException(ArenaErrorIds.DeployFailed, ErrorCategory.NotSpecified,
                $"{result.Name}: not READY: failed at {result.Stage} ({result.ErrorId}): {result.Error}",
                result.Stage == ArenaDeployStage.Check
                    ? "Look at the check's lines (the result's CheckResult); a pod on a bad host is best replaced (Repair-ArenaPod, or Remove-ArenaPod and Deploy-ArenaPod again)."
                    : $"Run {CommandName} again to carry on from here: the pods there are taken as they are.",
                target: result);
            error.Data["Stage"] = result.Stage.ToString();
            error.Data["StageErrorId"] = result.ErrorId;
            return error;
        }

        /// <summary>The chosen names whose pods exist already, each taken as it is; a name two pods carry is refused.</summary>
        private List<ArenaPod> Existing(PodCreationPlan plan)
        {
            if (plan.Names.Existing.Count == 0) return new List<ArenaPod>();
            var all = _host.Run(token => _api.ListPodsAsync(token));
            var found = new List<ArenaPod>();
            foreach (var name in plan.Names.Existing)
            {
                var pods = all.Where(p => p.Name == name && p.Status != ArenaPodStatus.Terminated).ToList();
                if (pods.Count > 1)
                {
                    _host.PodError(new ArenaException(ArenaErrorIds.DuplicatePodName, ErrorCategory.InvalidData,
                        $"{name}: {pods.Count} pods carry this name ({string.Join(", ", pods.Select(p => p.Id))}), so it is left alone.",
                        "Remove the one that should not be there (Remove-ArenaPod -Id), then run Deploy-ArenaPod again."), name, name);
                }
                else if (pods.Count == 1)
                {
                    found.Add(pods[0]);
                    _host.Verbose($"{name} exists already ({pods[0].Id}, {pods[0].Status}); it is taken as it is.");
                }
            }
            return found;
        }

        private Func<ArenaPod, IReadOnlyList<(string Name, string Value)>>? ReadSecrets(PodCreationPlan plan, IReadOnlyList<ArenaPod> existing)
        {
            if (_options.Secrets == null || _options.Secrets.Count == 0) return null;
            // The pods do not exist yet: a CSV row is matched by pod or machine name, as the new pods will carry them.
            var named = plan.Specs.Select(s => new ArenaPod { Id = s.Name, Name = s.Name, MachineName = s.MachineName })
                .Concat(existing.Select(p => new ArenaPod { Id = p.Name, Name = p.Name, MachineName = p.MachineName })).ToList();
            var warnings = new List<string>();
            var secrets = RepairSecrets.For(_options.Secrets, named, warnings);
            foreach (var warning in warnings) _host.Warning(warning);
            return secrets;
        }

        private string ReadPublicKey()
        {
            var key = _host.Run(token => Task.Run(() => PublicKeyReader.Read(_config.SharedKeyPath, _host.Log), token));
            return _host.Run(token => AccountSshKeys.MergeAsync(_api, _config, key, _host.Log, token));
        }

        private IReadOnlyList<PodCandidate> ReadCandidates(PodCreationRequest request)
        {
            var gpuTypes = request.GpuTypes != null && request.GpuTypes.Count > 0 ? request.GpuTypes.Distinct(StringComparer.Ordinal).ToArray() : _config.GpuTypes;
            var clouds = request.CloudTypes != null && request.CloudTypes.Count > 0 ? ArenaConfig.ExpandClouds(request.CloudTypes) : _config.CloudTypes;
            var read = _host.Run(token => CapacityPlan.ReadAsync(_api, gpuTypes, clouds, request.GpuCount ?? _config.GpuCount, request.MaxCostPerHour, _host.Log, token));
            return CapacityPlan.ToTry(read, request.WaitForCapacity != null);
        }

        /// <summary>What a replacement of an existing pod sends: the pod as it is, the same GPU, image and disks.</summary>
        private PodCreateSpec SpecOf(ArenaPod pod, string publicKey, PodCreationRequest request) => new PodCreateSpec
        {
            Name = pod.Name,
            MachineName = pod.MachineName ?? pod.Name,
            ImageName = pod.Image ?? request.Image ?? _config.Image,
            GpuTypeId = pod.GpuTypeId ?? _config.GpuTypes[0],
            GpuCount = pod.GpuCount > 0 ? pod.GpuCount : request.GpuCount ?? _config.GpuCount,
            CloudType = pod.CloudType ?? _config.CloudTypes[0],
            ContainerDiskInGb = pod.DiskSizeGB ?? request.DiskSizeGB ?? _config.DiskSizeGB,
            VolumeInGb = pod.VolumeSizeGB ?? request.VolumeSizeGB ?? _config.VolumeSizeGB,
            PublicKey = publicKey,
        };

        private string Describe(PodCreationPlan plan, IReadOnlyList<ArenaPod> existing, bool access, bool secrets)
        {
            var parts = new List<string>();
            if (plan.Specs.Count > 0) parts.Add(plan.Action);
            if (existing.Count > 0) parts.Add($"take {existing.Count} existing pod{(existing.Count == 1 ? "" : "s")} as {(existing.Count == 1 ? "it is" : "they are")}: {string.Join(", ", existing.Select(p => p.Name))}");
            var stages = new List<string> { "set up (Initialize-ArenaPod's steps)" };
            if (access) stages.Add("sync the roster's access");
            if (secrets) stages.Add("set the secrets");
            stages.Add(_options.TestCommand == null ? "check" : "check with -TestCommand");
            if (_options.Lock) stages.Add("lock in RunPod");
            if (_config.ProxyHost != null && !_options.NoPublish) stages.Add(_options.PublishEach ? "publish the proxy config as each is ready" : "publish the proxy config once at the end");
            return $"Deploy: {string.Join("; ", parts)}. Each pod is {string.Join(", ", stages)};"
                + $" a pod created by Deploy that fails its check is terminated and created again on another machine, up to {_options.MaxReplacements} time{(_options.MaxReplacements == 1 ? "" : "s")} a name.";
        }

        private ArenaProxyPublishResult Publish(CancellationToken token) =>
            FleetProxy.Publish(_api, _config, _options.ProxyKeyPath, _options.KeyPassphrase, _options.HostKeyPolicy, _host.Log, _host.Log.Warning, token);
    }
}
