using ArenaInfra.Common;
using ArenaInfra.Deploy;
using ArenaInfra.RunPod;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// One name's way to READY below the cmdlet, against RunPod in memory with a stand-in check that fails
/// on chosen machines: a pod failing its check is terminated and its name created again, never kept on
/// a machine that failed in the run (any name's); a name that fails everywhere stops at MaxReplacements;
/// a pod that was there before the run, or is locked, is never terminated.
/// </summary>
public sealed class DeployPlanningTests : IDisposable
{
    private readonly InMemoryRunPodApi _runPod = new();
    private readonly PlacedRunPod _api;
    private readonly TempDir _dir = new();
    private readonly DeployJournal _journal;
    private readonly StandInSteps _steps;
    private readonly FailedHosts _failed = new();

    public DeployPlanningTests()
    {
        _api = new PlacedRunPod(_runPod);
        _journal = new DeployJournal(Path.Combine(_dir.Path, "deploy-pods.json"));
        _steps = new StandInSteps(_api);
    }

    public void Dispose()
    {
        _runPod.Dispose();
        _dir.Dispose();
    }

    private PodDeployment Deployment(int maxReplacements = 2, bool locks = false) =>
        new(_api, _steps, _failed, _journal, (spec, token) => _api.CreatePodAsync(spec, token), NullArenaLog.Instance) { MaxReplacements = maxReplacements, Lock = locks };

    private static DeployItem Item(string machine, ArenaPod? existing = null) => new($"camp-{machine}", machine, new PodCreateSpec
    {
        Name = $"camp-{machine}", MachineName = machine, ImageName = "nickypro/arena-env:6.1", GpuTypeId = "NVIDIA RTX A4000", GpuCount = 1, CloudType = "SECURE", ContainerDiskInGb = 80, PublicKey = "ssh-ed25519 AAAA test",
    }, existing);

    private ArenaDeployResult Deploy(DeployItem item, PodDeployment? deployment = null) => (deployment ?? Deployment()).RunAsync(item, CancellationToken.None).GetAwaiter().GetResult();

    [Fact]
    public void A_pod_failing_its_check_is_terminated_and_its_name_created_again_on_another_machine()
    {
        _api.Place("camp-alpha", "m-bad", "m-good");
        _steps.BadMachines.Add("m-bad");

        var result = Deploy(Item("alpha"));

        Assert.Equal(ArenaDeployStatus.Ready, result.Status);
        Assert.Equal(ArenaDeployStage.Ready, result.Stage);
        Assert.Equal("m-good", result.MachineId);
        Assert.Equal(1, result.Replacements);
        Assert.Equal(new[] { "m-bad" }, result.GivenUpMachines);
        Assert.Equal(new[] { "m-bad", "m-good" }, _steps.Checked);
        Assert.Equal(1, _runPod.CallsOf("TerminatePod"));
        var left = Assert.Single(_runPod.Names());
        Assert.Equal("camp-alpha", left);
        Assert.Equal(result.PodId, _api.IdOn("m-good"));
        Assert.Null(_runPod.StatusOf(_api.IdOn("m-bad")!));
        Assert.Equal(new[] { ArenaDeployStage.Created, ArenaDeployStage.SshReady, ArenaDeployStage.SetUp, ArenaDeployStage.Check, ArenaDeployStage.Created, ArenaDeployStage.SshReady, ArenaDeployStage.SetUp, ArenaDeployStage.Check },
            result.StageSeconds.Select(s => s.Stage));
        Assert.Equal(result.PodId, result.CheckResult!.PodId);
        Assert.True(result.CheckResult.Passed);
    }

    [Fact]
    public void A_new_pod_that_lands_on_a_failed_machine_is_terminated_before_it_is_set_up_or_checked()
    {
        _api.Place("camp-alpha", "m-bad", "m-bad", "m-good");
        _steps.BadMachines.Add("m-bad");

        var result = Deploy(Item("alpha"));

        Assert.Equal(ArenaDeployStatus.Ready, result.Status);
        Assert.Equal("m-good", result.MachineId);
        Assert.Equal(1, result.Replacements);
        Assert.Equal(new[] { "m-bad", "m-good" }, _steps.Checked);
        Assert.Equal(new[] { "m-bad", "m-good" }, _steps.SetUp);
        Assert.Equal(2, _runPod.CallsOf("TerminatePod"));
    }

    [Fact]
    public void A_machine_that_failed_for_one_name_is_not_kept_for_another()
    {
        _api.Place("camp-bravo", "m-shared");
        _api.Place("camp-alpha", "m-shared", "m-good");
        _steps.BadMachines.Add("m-shared");
        var deployment = Deployment();

        var bravo = Deploy(Item("bravo"), deployment);
        var alpha = Deploy(Item("alpha"), deployment);

        Assert.Equal(ArenaDeployStatus.Ready, bravo.Status);
        Assert.NotEqual("m-shared", bravo.MachineId);
        Assert.Equal(ArenaDeployStatus.Ready, alpha.Status);
        Assert.Equal("m-good", alpha.MachineId);
        // alpha's pod on the machine bravo failed on was never set up: the machine was known bad.
        Assert.DoesNotContain(_steps.SetUp.Skip(2), m => m == "m-shared");
        Assert.Equal(0, alpha.Replacements);
    }

    [Fact]
    public void A_name_that_fails_on_every_machine_stops_at_MaxReplacements_with_every_machine_named()
    {
        _api.Place("camp-alpha", "m-1", "m-2", "m-3", "m-4");
        _steps.BadMachines.UnionWith(new[] { "m-1", "m-2", "m-3", "m-4" });

        var result = Deploy(Item("alpha"), Deployment(maxReplacements: 2));

        Assert.Equal(ArenaDeployStatus.Failed, result.Status);
        Assert.Equal(ArenaDeployStage.Check, result.Stage);
        Assert.Equal(2, result.Replacements);
        Assert.Equal(new[] { "m-1", "m-2", "m-3" }, result.GivenUpMachines);
        Assert.Equal(new[] { "m-1", "m-2", "m-3" }, _steps.Checked);
        Assert.Equal(2, _runPod.CallsOf("TerminatePod"));
        Assert.Contains("m-1, m-2, m-3", result.Error);
        Assert.Equal(ArenaErrorIds.PodOperationFailed, result.ErrorId);
        // The last pod is kept for a look; only two were bought and given up.
        Assert.Equal("RUNNING", _runPod.StatusOf(result.PodId!));
        Assert.Equal(3, _runPod.CallsOf("CreatePod"));
    }

    [Fact]
    public void With_no_replacements_allowed_a_failed_check_is_the_end()
    {
        _api.Place("camp-alpha", "m-bad");
        _steps.BadMachines.Add("m-bad");

        var result = Deploy(Item("alpha"), Deployment(maxReplacements: 0));

        Assert.Equal(ArenaDeployStatus.Failed, result.Status);
        Assert.Equal(0, _runPod.CallsOf("TerminatePod"));
        Assert.Equal(new[] { "m-bad" }, result.GivenUpMachines);
    }

    [Fact]
    public void A_pod_that_was_there_before_the_run_is_never_terminated_when_it_fails_its_check()
    {
        var id = _runPod.Seed("camp-alpha");
        _api.Stamp(id, "m-bad");
        _steps.BadMachines.Add("m-bad");
        var existing = _api.GetPodAsync(id, CancellationToken.None).Result!;

        var result = Deploy(Item("alpha", existing));

        Assert.Equal(ArenaDeployStatus.Failed, result.Status);
        Assert.Equal(ArenaDeployStage.Check, result.Stage);
        Assert.True(result.Existing);
        Assert.Contains("Repair-ArenaPod", result.Error);
        Assert.Equal(0, _runPod.CallsOf("TerminatePod"));
        Assert.Equal(0, _runPod.CallsOf("CreatePod"));
    }

    [Fact]
    public void A_pod_a_stopped_Deploy_created_is_its_own_on_the_next_run_and_replaced()
    {
        var id = _runPod.Seed("camp-alpha");
        _api.Stamp(id, "m-bad");
        _api.Place("camp-alpha", "m-good");
        _steps.BadMachines.Add("m-bad");
        _journal.Created(id, "camp-alpha");
        var existing = _api.GetPodAsync(id, CancellationToken.None).Result!;

        var result = Deploy(Item("alpha", existing));

        Assert.Equal(ArenaDeployStatus.Ready, result.Status);
        Assert.Equal(1, result.Replacements);
        Assert.Null(_runPod.StatusOf(id));
        Assert.False(_journal.Owns(result.PodId!, "camp-alpha"));
    }

    [Fact]
    public void A_locked_pod_that_fails_its_check_is_not_terminated()
    {
        var id = _runPod.Seed("camp-alpha");
        _api.Stamp(id, "m-bad");
        _api.Locked.Add(id);
        _journal.Created(id, "camp-alpha");
        _steps.BadMachines.Add("m-bad");
        var existing = _api.GetPodAsync(id, CancellationToken.None).Result!;

        var result = Deploy(Item("alpha", existing));

        Assert.Equal(ArenaDeployStatus.Failed, result.Status);
        Assert.Equal(ArenaDeployStage.Check, result.Stage);
        Assert.Contains("locked", result.Error);
        Assert.Equal(0, _runPod.CallsOf("TerminatePod"));
    }

    [Fact]
    public void A_failing_set_up_ends_the_way_at_SetUp_with_its_own_error_id_and_no_check()
    {
        _api.Place("camp-alpha", "m-1");
        _steps.SetUpFails = true;

        var result = Deploy(Item("alpha"));

        Assert.Equal(ArenaDeployStatus.Failed, result.Status);
        Assert.Equal(ArenaDeployStage.SetUp, result.Stage);
        Assert.Equal(ArenaErrorIds.SshConnectFailed, result.ErrorId);
        Assert.Empty(_steps.Checked);
        Assert.Null(result.CheckResult);
        Assert.Equal(0, _runPod.CallsOf("TerminatePod"));
        var failure = DeployBatch.Failure(result);
        Assert.Equal(ArenaErrorIds.DeployFailed, failure.ErrorId);
        Assert.StartsWith("camp-alpha: not READY: failed at SetUp (SshConnectFailed):", failure.Message);
        Assert.Equal(ArenaErrorIds.SshConnectFailed, failure.Data["StageErrorId"]);
    }

    [Fact]
    public void A_passing_pod_is_locked_when_asked_and_only_after_its_check()
    {
        _api.Place("camp-alpha", "m-1");

        var result = Deploy(Item("alpha"), Deployment(locks: true));

        Assert.Equal(ArenaDeployStatus.Ready, result.Status);
        Assert.True(result.Locked);
        Assert.Contains(result.PodId!, _api.Locked);
        Assert.Equal(ArenaDeployStage.Lock, result.StageSeconds[^1].Stage);
        Assert.DoesNotContain(ArenaDeployStage.Access, result.StageSeconds.Select(s => s.Stage));
    }

    [Theory]
    [InlineData("127.0.0.1", null)]
    [InlineData("10.1.2.3", null)]
    [InlineData("172.16.0.9", null)]
    [InlineData("172.31.255.1", null)]
    [InlineData("192.168.1.20", null)]
    [InlineData("100.64.0.1", null)]
    [InlineData("169.254.10.1", null)]
    [InlineData("0.0.0.0", null)]
    [InlineData("224.0.0.1", null)]
    [InlineData("203.0.113.9", null)]
    [InlineData("::1", null)]
    [InlineData("fe80::1", null)]
    [InlineData("fd00::1", null)]
    [InlineData("2001:db8::1", null)]
    [InlineData("", null)]
    [InlineData("not-an-ip", null)]
    [InlineData("8.8.8.8", "8.8.8.8")]
    [InlineData("172.32.0.1", "172.32.0.1")]
    [InlineData("::ffff:8.8.4.4", "8.8.4.4")]
    [InlineData("2606:4700::1111", "2606:4700::1111")]
    public void Only_a_globally_routable_address_names_a_machine(string address, string? named) =>
        Assert.Equal(named, FailedHosts.RoutableAddress(address));

    [Fact]
    public void Pods_at_a_loopback_or_private_address_are_not_taken_for_the_same_machine()
    {
        var failed = new FailedHosts();
        failed.Add(new ArenaPod { Id = "p1", PublicIp = "127.0.0.1" });
        failed.Add(new ArenaPod { Id = "p2", PublicIp = "10.0.0.5" });
        failed.Add(new ArenaPod { Id = "p3", PublicIp = "8.8.8.8", MachineId = "m-9" });

        Assert.Null(failed.Holds(new ArenaPod { Id = "q1", PublicIp = "127.0.0.1" }));
        Assert.Null(failed.Holds(new ArenaPod { Id = "q2", PublicIp = "10.0.0.5" }));
        Assert.Equal("address 8.8.8.8", failed.Holds(new ArenaPod { Id = "q3", PublicIp = "8.8.8.8" }));
        Assert.Equal("machine m-9", failed.Holds(new ArenaPod { Id = "q4", PublicIp = "127.0.0.1", MachineId = "m-9" }));
    }

    /// <summary>The check and the SSH stages, stood in for: the check fails on the bad machines; what each stage saw is kept.</summary>
    private sealed class StandInSteps : IDeploySteps
    {
        private readonly IRunPodApi _api;

        public StandInSteps(IRunPodApi api) => _api = api;

        public HashSet<string> BadMachines { get; } = new();
        public List<string> Checked { get; } = new();
        public List<string> SetUp { get; } = new();
        public bool SetUpFails { get; set; }

        public async Task<ArenaPod> WaitReadyAsync(ArenaPod pod, CancellationToken token) =>
            await _api.GetPodAsync(pod.Id, token).ConfigureAwait(false) ?? throw new InvalidOperationException("gone");

        public Task<ArenaPodOperationResult> SetUpAsync(ArenaPod pod, CancellationToken token)
        {
            lock (SetUp) SetUp.Add(pod.MachineId ?? pod.Id);
            ArenaPodOperationResult result = SetUpFails
                ? new ArenaPodSetupResult { Name = pod.Name, PodId = pod.Id, Succeeded = false, FailedStep = "Connect", ErrorId = ArenaErrorIds.SshConnectFailed, Error = "connection refused" }
                : new ArenaPodSetupResult { Name = pod.Name, PodId = pod.Id, Succeeded = true };
            return Task.FromResult(result);
        }

        public Task<ArenaPodOperationResult?> AccessAsync(ArenaPod pod, CancellationToken token) => Task.FromResult<ArenaPodOperationResult?>(null);

        public Task<ArenaPodOperationResult?> SecretsAsync(ArenaPod pod, CancellationToken token) => Task.FromResult<ArenaPodOperationResult?>(null);

        public Task<ArenaPodTestResult> CheckAsync(ArenaPod pod, CancellationToken token)
        {
            lock (Checked) Checked.Add(pod.MachineId ?? pod.Id);
            var bad = pod.MachineId != null && BadMachines.Contains(pod.MachineId);
            return Task.FromResult(new ArenaPodTestResult
            {
                Name = pod.Name, PodId = pod.Id, Succeeded = !bad, Stage = bad ? ArenaTestStage.Command : ArenaTestStage.Passed,
                FailedStep = bad ? "Command" : null, ErrorId = bad ? ArenaErrorIds.PodOperationFailed : null, Error = bad ? "the computation on the GPU failed" : null,
            });
        }
    }

    /// <summary>
    /// RunPod in memory with machines: each create of a name lands on the next machine placed for it (else a
    /// fresh one), every pod seen with its machine id, at 127.0.0.1 as the in-memory pods all are; a lock kept.
    /// </summary>
    private sealed class PlacedRunPod : IRunPodApi
    {
        private readonly InMemoryRunPodApi _inner;
        private readonly Dictionary<string, Queue<string>> _placement = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _machineOf = new(StringComparer.Ordinal);
        private int _fresh;

        public PlacedRunPod(InMemoryRunPodApi inner) => _inner = inner;

        public HashSet<string> Locked { get; } = new();

        public void Place(string name, params string[] machines) => _placement[name] = new Queue<string>(machines);

        public void Stamp(string podId, string machine) => _machineOf[podId] = machine;

        public string? IdOn(string machine) => _machineOf.Where(m => m.Value == machine).Select(m => m.Key).LastOrDefault();

        private ArenaPod Seen(ArenaPod pod)
        {
            lock (_machineOf)
            {
                if (_machineOf.TryGetValue(pod.Id, out var machine)) pod.MachineId = machine;
                pod.Locked = Locked.Contains(pod.Id);
                return pod;
            }
        }

        public async Task<IReadOnlyList<ArenaPod>> ListPodsAsync(CancellationToken cancellationToken) => (await _inner.ListPodsAsync(cancellationToken)).Select(Seen).ToList();
        public async Task<ArenaPod?> GetPodAsync(string podId, CancellationToken cancellationToken) => await _inner.GetPodAsync(podId, cancellationToken) is ArenaPod pod ? Seen(pod) : null;

        public async Task<ArenaPod> CreatePodAsync(PodCreateSpec spec, CancellationToken cancellationToken)
        {
            var pod = await _inner.CreatePodAsync(spec, cancellationToken);
            lock (_machineOf)
            {
                _machineOf[pod.Id] = _placement.TryGetValue(spec.Name, out var queue) && queue.Count > 0 ? queue.Dequeue() : $"m-fresh-{++_fresh}";
            }
            return Seen(pod);
        }

        public Task StopPodAsync(string podId, CancellationToken cancellationToken) => _inner.StopPodAsync(podId, cancellationToken);
        public Task<ArenaPod> StartPodAsync(string podId, int gpuCount, CancellationToken cancellationToken) => _inner.StartPodAsync(podId, gpuCount, cancellationToken);

        public Task TerminatePodAsync(string podId, CancellationToken cancellationToken) =>
            Locked.Contains(podId) ? throw new InvalidOperationException("a locked pod was sent a terminate") : _inner.TerminatePodAsync(podId, cancellationToken);

        public Task<GpuOffer?> GetGpuOfferAsync(string gpuTypeId, string cloudType, int gpuCount, CancellationToken cancellationToken) => _inner.GetGpuOfferAsync(gpuTypeId, cloudType, gpuCount, cancellationToken);
        public Task<IReadOnlyList<string>> GetAccountSshKeysAsync(CancellationToken cancellationToken) => _inner.GetAccountSshKeysAsync(cancellationToken);

        public async Task<ArenaPod> SetLockedAsync(string podId, bool locked, CancellationToken cancellationToken)
        {
            lock (_machineOf)
            {
                if (locked) Locked.Add(podId);
                else Locked.Remove(podId);
            }
            return await GetPodAsync(podId, cancellationToken) ?? throw new InvalidOperationException("no such pod");
        }

        public Task ReadLogsAsync(string podId, int tail, bool follow, string? source, Action<PodLogEvent> onLine, CancellationToken cancellationToken) => _inner.ReadLogsAsync(podId, tail, follow, source, onLine, cancellationToken);
        public Task<IReadOnlyList<ArenaNetworkVolume>> ListNetworkVolumesAsync(CancellationToken cancellationToken) => _inner.ListNetworkVolumesAsync(cancellationToken);
    }
}
