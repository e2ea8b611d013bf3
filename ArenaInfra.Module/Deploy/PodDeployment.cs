using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using ArenaInfra.Pods;
using ArenaInfra.RunPod;

namespace ArenaInfra.Deploy
{
    /// <summary>One name of a deployment: the pod to create, or the one that exists already.</summary>
    internal sealed class DeployItem
    {
        public DeployItem(string name, string? machineName, PodCreateSpec spec, ArenaPod? existing)
        {
            Name = name;
            MachineName = machineName;
            Spec = spec;
            Existing = existing;
        }

        public string Name { get; }
        public string? MachineName { get; }
        /// <summary>What a create of this name sends: the first one, and each replacement.</summary>
        public PodCreateSpec Spec { get; }
        /// <summary>The pod that was there before the run, taken as it is; null for a name to create.</summary>
        public ArenaPod? Existing { get; }

        public override string ToString() => Name;
    }

    /// <summary>
    /// One name's own way to READY, with no other pod to wait for: created, SSH-ready, set up, access,
    /// secrets, checked, locked. The first stage that fails ends it, named in the result, but for the
    /// check: a pod that fails it sits on a bad host, which will not fix itself, so the pod is
    /// terminated (verified gone) and the name created again, never kept on a machine that failed in
    /// this run, up to MaxReplacements a name. Only a pod this run (or a stopped Deploy before it)
    /// created is ever terminated; a locked one never. Cancellation ends it where it is and terminates nothing.
    /// </summary>
    internal sealed class PodDeployment
    {
        /// <summary>How many new pods of a name in a row may land on failed machines before the name gives up.</summary>
        public const int MaxLandingsOnFailedMachines = 3;

        private readonly IRunPodApi _api;
        private readonly IDeploySteps _steps;
        private readonly FailedHosts _failed;
        private readonly DeployJournal _journal;
        private readonly Func<PodCreateSpec, CancellationToken, Task<ArenaPod>> _create;
        private readonly IArenaLog _log;

        public PodDeployment(IRunPodApi api, IDeploySteps steps, FailedHosts failed, DeployJournal journal, Func<PodCreateSpec, CancellationToken, Task<ArenaPod>> create, IArenaLog log)
        {
            _api = api;
            _steps = steps;
            _failed = failed;
            _journal = journal;
            _create = create;
            _log = log;
        }

        public int MaxReplacements { get; set; } = 2;
        public bool Lock { get; set; }
        /// <summary>Told each stage a name enters, and the pod it is at (for what Ctrl+C leaves behind).</summary>
        public Action<string, ArenaDeployStage, string?>? Entered { get; set; }

        /// <summary>The name's result; never throws but for cancellation.</summary>
        public async Task<ArenaDeployResult> RunAsync(DeployItem item, CancellationToken token)
        {
            var run = new Run(item, this);
            try
            {
                await run.GoAsync(token).ConfigureAwait(false);
            }
            catch (StageFailed e)
            {
                run.Fail(e.Stage, e.ErrorId, e.Message);
            }
            catch (Exception e) when (!(e is OperationCanceledException))
            {
                // One name's surprise ends that name's way with a result, not the batch.
                run.Fail(run.Current, ArenaErrorIds.PodOperationFailed, $"{e.GetType().Name}: {e.Message}");
            }
            return run.Finish();
        }

        private sealed class StageFailed : Exception
        {
            public StageFailed(ArenaDeployStage stage, string errorId, string message) : base(message)
            {
                Stage = stage;
                ErrorId = errorId;
            }

            public ArenaDeployStage Stage { get; }
            public string ErrorId { get; }
        }

        /// <summary>The state of one name's way, from its first stage to its end.</summary>
        private sealed class Run
        {
            private readonly DeployItem _item;
            private readonly PodDeployment _d;
            private readonly Stopwatch _clock = Stopwatch.StartNew();
            private readonly List<ArenaDeployStageTime> _times = new List<ArenaDeployStageTime>();
            private readonly List<string> _givenUp = new List<string>();
            private readonly ArenaDeployResult _result;

            /// <summary>The stage the name is at now.</summary>
            public ArenaDeployStage Current { get; private set; }

            public Run(DeployItem item, PodDeployment deployment)
            {
                _item = item;
                _d = deployment;
                _result = new ArenaDeployResult { Name = item.Name, MachineName = item.MachineName, Existing = item.Existing != null };
            }

            public async Task GoAsync(CancellationToken token)
            {
                var pod = _item.Existing;
                // A pod that was there before may hold a participant's work: only Deploy's own pods are ever terminated.
                var owned = pod == null || _d._journal.Owns(pod.Id, pod.Name);
                var landings = 0;
                while (true)
                {
                    if (pod == null)
                    {
                        pod = await Stage(ArenaDeployStage.Created, null, () => _d._create(_item.Spec, token)).ConfigureAwait(false);
                        _d._journal.Created(pod.Id, _item.Name);
                        owned = true;
                    }
                    else if (_times.Count == 0)
                    {
                        _times.Add(new ArenaDeployStageTime { Stage = ArenaDeployStage.Created, Seconds = 0 });
                    }
                    Keep(pod);
                    var current = pod;
                    // RunPod names the machine in the create's answer: a pod on a failed one is given up before
                    // it is waited for; one whose public IP failed is known only once it runs.
                    if (!(owned && _d._failed.Holds(pod) != null))
                    {
                        pod = await Stage(ArenaDeployStage.SshReady, pod.Id, () => _d._steps.WaitReadyAsync(current, token)).ConfigureAwait(false);
                        Keep(pod);
                    }

                    if (owned && _d._failed.Holds(pod) is string where)
                    {
                        // A new pod on a machine that failed in this run: the rebuild fixed nothing.
                        _d._log.Verbose($"{_item.Name}: the new pod {pod.Id} landed on {where}, which failed its check in this run; it is terminated and created again.");
                        if (++landings > MaxLandingsOnFailedMachines)
                        {
                            throw new StageFailed(ArenaDeployStage.Created, ArenaErrorIds.DeployFailed,
                                $"{landings} new pods in a row landed on machines that failed their check in this run (the last on {where}); machines given up: {FailedHosts.Describe(_givenUp)}. The last pod {pod.Id} is kept.");
                        }
                        await TerminateAsync(pod, ArenaDeployStage.Created, token).ConfigureAwait(false);
                        pod = null;
                        continue;
                    }
                    landings = 0;

                    await Ssh(ArenaDeployStage.SetUp, pod, async () => await _d._steps.SetUpAsync(pod, token).ConfigureAwait(false)).ConfigureAwait(false);
                    await Ssh(ArenaDeployStage.Access, pod, () => _d._steps.AccessAsync(pod, token)).ConfigureAwait(false);
                    await Ssh(ArenaDeployStage.Secrets, pod, () => _d._steps.SecretsAsync(pod, token)).ConfigureAwait(false);

                    var check = await Stage(ArenaDeployStage.Check, pod.Id, () => _d._steps.CheckAsync(pod, token)).ConfigureAwait(false);
                    _result.CheckResult = check;
                    if (!check.Passed)
                    {
                        _d._failed.Add(pod);
                        var why = $"{check.FailedStep}: {check.Error}";
                        var givenUp = pod.MachineId ?? pod.Id;
                        // Locked: RunPod refuses the terminate, so none is sent (a pod is locked only after its check passed, so this is an earlier run's pod).
                        var fresh = pod.Locked == true ? pod : await _d._api.GetPodAsync(pod.Id, token).ConfigureAwait(false);
                        if (fresh?.Locked == true)
                        {
                            throw new StageFailed(ArenaDeployStage.Check, check.ErrorId ?? ArenaErrorIds.PodOperationFailed,
                                $"{why}. The pod is locked in RunPod, which refuses to terminate it, so it is not replaced; unlock it (Unlock-ArenaPod) and replace it with Repair-ArenaPod, or unlock it, remove it and run Deploy-ArenaPod again.");
                        }
                        if (!owned)
                        {
                            throw new StageFailed(ArenaDeployStage.Check, check.ErrorId ?? ArenaErrorIds.PodOperationFailed,
                                $"{why}. The pod existed before this run, so it is not replaced here (it may hold a participant's work): Repair-ArenaPod replaces it, keeping its work.");
                        }
                        if (_result.Replacements >= _d.MaxReplacements)
                        {
                            _givenUp.Add(givenUp);
                            throw new StageFailed(ArenaDeployStage.Check, check.ErrorId ?? ArenaErrorIds.PodOperationFailed,
                                $"{why}. Replaced {_result.Replacements} time{(_result.Replacements == 1 ? "" : "s")} (-MaxReplacements {_d.MaxReplacements}); every machine tried failed: {FailedHosts.Describe(_givenUp)}. The last pod {pod.Id} is kept for a look.");
                        }
                        _d._log.Verbose($"{_item.Name}: failed its check on {givenUp} ({why}); terminating {pod.Id} and creating the name again on another machine.");
                        await TerminateAsync(pod, ArenaDeployStage.Check, token).ConfigureAwait(false);
                        _givenUp.Add(givenUp);
                        _result.Replacements++;
                        pod = null;
                        continue;
                    }

                    if (_d.Lock)
                    {
                        // The answer counts only as the pod asked for, locked: PodLocking checks both, as Lock-ArenaPod does.
                        var locked = await Stage(ArenaDeployStage.Lock, pod.Id, () => new PodLocking(true).ApplyAsync(_d._api, pod, token)).ConfigureAwait(false);
                        Keep(locked);
                        _result.Locked = true;
                    }
                    else
                    {
                        _result.Locked = pod.Locked == true;
                    }
                    _d._journal.Done(pod.Id);
                    _d.Entered?.Invoke(_item.Name, ArenaDeployStage.Ready, pod.Id);
                    _result.Status = ArenaDeployStatus.Ready;
                    _result.Stage = ArenaDeployStage.Ready;
                    return;
                }
            }

            private void Keep(ArenaPod pod)
            {
                _result.Pod = pod;
                _result.PodId = pod.Id;
                _result.MachineId = pod.MachineId ?? _result.MachineId;
            }

            /// <summary>Terminates a pod of this run and makes sure it is gone before its name is created again.</summary>
            private async Task TerminateAsync(ArenaPod pod, ArenaDeployStage stage, CancellationToken token)
            {
                try
                {
                    await _d._api.TerminatePodAsync(pod.Id, token).ConfigureAwait(false);
                    var after = await _d._api.GetPodAsync(pod.Id, token).ConfigureAwait(false);
                    if (after != null && after.Status != ArenaPodStatus.Terminated)
                    {
                        throw new ArenaException(ArenaErrorIds.PodActionNotValid, ErrorCategory.InvalidResult,
                            $"RunPod still lists {pod.Id} as {after.Status} after terminating it, so no other pod is created under its name.");
                    }
                    _d._journal.Done(pod.Id);
                }
                catch (ArenaException e)
                {
                    throw new StageFailed(stage, e.ErrorId, $"the pod {pod.Id} could not be terminated to replace it: {e.Message}");
                }
            }

            private async Task<T> Stage<T>(ArenaDeployStage stage, string? podId, Func<Task<T>> work)
            {
                Current = stage;
                _d.Entered?.Invoke(_item.Name, stage, podId);
                var clock = Stopwatch.StartNew();
                try
                {
                    return await work().ConfigureAwait(false);
                }
                catch (ArenaException e)
                {
                    throw new StageFailed(stage, e.ErrorId, e.Message);
                }
                finally
                {
                    _times.Add(new ArenaDeployStageTime { Stage = stage, Seconds = clock.Elapsed.TotalSeconds });
                }
            }

            private async Task Ssh(ArenaDeployStage stage, ArenaPod pod, Func<Task<ArenaPodOperationResult?>> work)
            {
                var result = await Stage(stage, pod.Id, work).ConfigureAwait(false);
                if (result == null)
                {
                    _times.RemoveAt(_times.Count - 1);
                    return;
                }
                if (!result.Succeeded)
                {
                    throw new StageFailed(stage, result.ErrorId ?? ArenaErrorIds.PodOperationFailed, $"{result.FailedStep}: {result.Error}");
                }
            }

            public void Fail(ArenaDeployStage stage, string errorId, string message)
            {
                _result.Status = ArenaDeployStatus.Failed;
                _result.Stage = stage;
                _result.ErrorId = errorId;
                // The stage's own words, without the pod's name in front: the result carries the name.
                var prefix = _item.Name + ": ";
                _result.Error = message.StartsWith(prefix, StringComparison.Ordinal) ? message.Substring(prefix.Length) : message;
                _d.Entered?.Invoke(_item.Name, stage, _result.PodId);
            }

            public ArenaDeployResult Finish()
            {
                _result.StageSeconds = _times.ToArray();
                _result.TotalSeconds = _clock.Elapsed.TotalSeconds;
                _result.GivenUpMachines = _givenUp.ToArray();
                return _result;
            }
        }
    }
}
