using System.Management.Automation;
using ArenaInfra.Common;
using ArenaInfra.Config;
using ArenaInfra.Providers;
using ArenaInfra.Proxy;
using ArenaInfra.RunPod;
using ArenaInfra.Teardown;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// The fleet when more than RunPod makes its machines: one list, each action to the pod's own provider,
/// a silent provider's machines kept as Unknown (never gone), and lifecycle refused before anything is sent
/// for machines the module cannot stop or remove.
/// </summary>
public sealed class ProviderFleetTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly InMemoryRunPodApi _runPod = new("camp", "alpha", "bravo", "charlie");
    private readonly OtherProvider _vast = new();
    private readonly RecordingLog _log = new();

    public void Dispose()
    {
        _runPod.Dispose();
        _dir.Dispose();
    }

    private ProviderPodRecords Records => new(Path.Combine(_dir.Path, "providers.json"));

    private ProviderFleet Fleet(bool withRunPod = true) => new(withRunPod ? _runPod : null, new IPodProvider[] { _vast }, Records, _log);

    [Fact]
    public async Task One_list_holds_every_providers_machines_each_marked_with_its_provider()
    {
        _runPod.Seed("camp-alpha");
        _vast.Pods.Add(OtherProvider.Pod("vast-7", "camp-bravo", "203.0.113.7", 40022));

        var pods = await Fleet().ListPodsAsync(CancellationToken.None);

        Assert.Equal(new[] { ("camp-alpha", ArenaProvider.RunPod), ("camp-bravo", ArenaProvider.Vast) },
            pods.Select(p => (p.Name, p.Provider)).OrderBy(p => p.Name).ToArray());
        Assert.All(pods, p => Assert.Null(p.ProviderProblem));
    }

    [Fact]
    public async Task Proxy_ports_are_worked_out_over_the_whole_fleet_as_nginx_assigns_them()
    {
        // alpha, bravo, charlie are listed (16000-16002); delta (Vast) and zulu (RunPod) are not, so they
        // take the next ports in name order over every provider's machines: delta 16003, zulu 16004.
        _runPod.Seed("camp-alpha");
        _runPod.Seed("camp-zulu");
        _vast.Pods.Add(OtherProvider.Pod("vast-7", "camp-delta", "203.0.113.7", 40022));
        var plan = new ProxyPortPlan(16000, new[] { "alpha", "bravo", "charlie" });

        var pods = await new ProviderFleet(_runPod, new IPodProvider[] { _vast }, Records, _log, plan).ListPodsAsync(CancellationToken.None);

        var ports = pods.ToDictionary(p => p.Name, p => p.ProxyPort);
        Assert.Equal((int?)16000, ports["camp-alpha"]);
        Assert.Equal((int?)16003, ports["camp-delta"]);
        Assert.Equal((int?)16004, ports["camp-zulu"]);
        var nginx = plan.PortsOf(pods.Select(p => p.MachineName!));
        Assert.All(pods, p => Assert.Equal(nginx[p.MachineName!], p.ProxyPort));
    }

    [Fact]
    public async Task A_silent_provider_shows_its_machines_as_last_listed_in_state_Unknown_and_the_proxy_keeps_their_forwards()
    {
        _vast.Pods.Add(OtherProvider.Pod("vast-7", "camp-bravo", "203.0.113.7", 40022));
        await Fleet().ListPodsAsync(CancellationToken.None);
        _vast.Silent = new ArenaException(ArenaErrorIds.ApiUnreachable, ErrorCategory.ConnectionError, "no answer in 30 s");

        var pods = await Fleet().ListPodsAsync(CancellationToken.None);

        var bravo = Assert.Single(pods);
        Assert.Equal(("vast-7", ArenaPodStatus.Unknown, ArenaProvider.Vast, "203.0.113.7", (int?)40022), (bravo.Id, bravo.Status, bravo.Provider, bravo.PublicIp, bravo.SshPort));
        Assert.Contains("Vast did not answer (ApiUnreachable)", bravo.ProviderProblem);
        Assert.Contains(_log.Lines, l => l.StartsWith("WARNING: Vast did not answer (ApiUnreachable)"));
        var nginx = NginxConfigRenderer.Render(new NginxConfigOptions { Prefix = "camp" }, pods, new ProxyPortPlan(16000, new[] { "alpha", "bravo" }), _ => { });
        Assert.Contains("server 203.0.113.7:40022;", nginx);
    }

    [Fact]
    public async Task A_silent_provider_never_listed_here_fails_the_list_with_its_own_error_id_rather_than_claim_its_machines_gone()
    {
        _runPod.Seed("camp-alpha");
        _vast.Silent = new ArenaException(ArenaErrorIds.RateLimited, ErrorCategory.LimitsExceeded, "429");

        var error = await Assert.ThrowsAsync<ArenaException>(() => Fleet().ListPodsAsync(CancellationToken.None));

        Assert.Equal(ArenaErrorIds.RateLimited, error.ErrorId);
        Assert.Contains("no earlier list", error.Message);
    }

    [Theory]
    [InlineData(nameof(ArenaErrorIds.ConfigParseError))]
    [InlineData(nameof(ArenaErrorIds.ApiKeyMissing))]
    public async Task A_mistake_in_this_machines_setup_stops_the_list_even_with_an_earlier_list_to_stand_in(string errorId)
    {
        _vast.Pods.Add(OtherProvider.Pod("vast-7", "camp-bravo", "203.0.113.7", 40022));
        await Fleet().ListPodsAsync(CancellationToken.None);
        _vast.Silent = new ArenaException(errorId, ErrorCategory.ParserError, "hosts.csv line 3: the port 'abc' is not a number");

        var error = await Assert.ThrowsAsync<ArenaException>(() => Fleet().ListPodsAsync(CancellationToken.None));

        Assert.Equal(errorId, error.ErrorId);
        Assert.DoesNotContain(_log.Lines, l => l.StartsWith("WARNING:"));
    }

    [Theory]
    // The host goes into ssh's command line, the machine name into nginx's config and ssh configs'
    // Host lines: each passes the same gate as an API's answer.
    [InlineData("203.0.113.7", "203.0.113.7 -oProxyCommand=sh")]
    [InlineData("\"MachineName\": \"bravo\"", "\"MachineName\": \"bravo\\n  ProxyCommand sh\"")]
    public async Task A_tampered_record_is_no_record(string kept, string planted)
    {
        _vast.Pods.Add(OtherProvider.Pod("vast-7", "camp-bravo", "203.0.113.7", 40022));
        await Fleet().ListPodsAsync(CancellationToken.None);
        var path = Path.Combine(_dir.Path, "providers.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace(kept, planted));
        Assert.Contains(planted, File.ReadAllText(path));
        _vast.Silent = new ArenaException(ArenaErrorIds.ApiUnreachable, ErrorCategory.ConnectionError, "down");

        var error = await Assert.ThrowsAsync<ArenaException>(() => Fleet().ListPodsAsync(CancellationToken.None));

        Assert.Equal(ArenaErrorIds.ApiUnreachable, error.ErrorId);
    }

    [Fact]
    public async Task Each_action_reaches_the_provider_that_made_the_pod_and_no_other()
    {
        var alpha = _runPod.Seed("camp-alpha");
        _vast.Pods.Add(OtherProvider.Pod("vast-7", "camp-bravo", "203.0.113.7", 40022));
        var fleet = Fleet();

        await fleet.StopPodAsync("vast-7", CancellationToken.None);
        await fleet.StopPodAsync(alpha, CancellationToken.None);
        await fleet.CreatePodAsync(new PodCreateSpec { Provider = ArenaProvider.Vast, Name = "camp-charlie", MachineName = "charlie" }, CancellationToken.None);

        Assert.Equal(new[] { "Stop vast-7", "Create camp-charlie" }, _vast.Calls);
        Assert.Equal(1, _runPod.CallsOf("StopPod"));
        Assert.Equal(0, _runPod.CallsOf("CreatePod"));
    }

    [Fact]
    public async Task What_only_RunPod_has_is_refused_for_another_providers_machine_and_a_fleet_without_RunPod_needs_no_RunPod()
    {
        var fleet = Fleet(withRunPod: false);

        var locking = await Assert.ThrowsAsync<ArenaException>(() => fleet.SetLockedAsync("vast-7", true, CancellationToken.None));
        var creating = await Assert.ThrowsAsync<ArenaException>(() => fleet.CreatePodAsync(new PodCreateSpec { Name = "camp-alpha" }, CancellationToken.None));

        Assert.Equal(ArenaErrorIds.NotSupportedByProvider, locking.ErrorId);
        Assert.Equal(ArenaErrorIds.NotSupportedByProvider, creating.ErrorId);
        Assert.Contains("ARENA_PROVIDERS", creating.Message);
        Assert.Empty(await fleet.ListNetworkVolumesAsync(CancellationToken.None));
        Assert.Empty(_runPod.Calls);
    }

    [Fact]
    public void Stop_start_remove_and_replace_refuse_hand_made_machines_and_machines_of_a_silent_provider()
    {
        var runPod = new ArenaPod { Name = "camp-alpha", Id = "abc" };
        var byHand = new ArenaPod { Name = "camp-bravo", Id = "static-bravo", Provider = ArenaProvider.Static };
        var silent = new ArenaPod { Name = "camp-charlie", Id = "vast-9", Provider = ArenaProvider.Vast, ProviderProblem = "Vast did not answer (ApiUnreachable)" };

        var (able, refused) = ProviderLifecycle.Split(new[] { runPod, byHand, silent });

        Assert.Equal(new[] { runPod }, able);
        Assert.Equal(new[] { (ArenaErrorIds.NotSupportedByProvider, "camp-bravo"), (ArenaErrorIds.ProviderUnavailable, "camp-charlie") },
            refused.Select(p => ProviderLifecycle.Refusal(p, "stopped")).Select(e => (e.ErrorId, ((ArenaPod)e.Target!).Name)).ToArray());
        Assert.Contains("ARENA_HOSTS", ProviderLifecycle.Refusal(byHand, "stopped").RecommendedAction);
    }

    [Fact]
    public void A_replacement_takes_only_RunPods_pods_and_tells_how_to_replace_a_Vast_machine_by_hand()
    {
        var runPod = new ArenaPod { Name = "camp-alpha", Id = "abc" };
        var vast = new ArenaPod { Name = "camp-bravo", MachineName = "bravo", Id = "vast-7", Provider = ArenaProvider.Vast };

        var (able, refused) = ProviderLifecycle.Split(new[] { runPod, vast }, replacing: true);
        var (stoppable, _) = ProviderLifecycle.Split(new[] { runPod, vast });

        Assert.Equal(new[] { runPod }, able);
        var error = ProviderLifecycle.Refusal(Assert.Single(refused), "replaced");
        Assert.Equal(ArenaErrorIds.NotSupportedByProvider, error.ErrorId);
        Assert.Contains("New-ArenaPod -Name bravo -Provider Vast", error.RecommendedAction);
        Assert.Equal(new[] { runPod, vast }, stoppable);
    }

    [Theory]
    [InlineData("", null, "RunPod")]
    [InlineData("", "hosts.csv", "RunPod,Static")]
    [InlineData("vast,runpod", null, "RunPod,Vast")]
    [InlineData("Static", "hosts.csv", "Static")]
    public void The_providers_are_as_written_else_RunPod_and_the_hosts_file(string written, string? hosts, string expected)
    {
        var config = Config(("ARENA_PROVIDERS", written), ("ARENA_HOSTS", hosts == null ? "" : Path.Combine(_dir.Path, hosts)));

        Assert.Equal(expected, string.Join(",", config.Providers));
    }

    [Theory]
    [InlineData("RunPod,Hetzner", "Hetzner")]
    [InlineData("vast,Vast", "twice")]
    public void An_unknown_or_repeated_provider_is_refused_when_the_config_is_read(string written, string said)
    {
        var error = Assert.Throws<ArenaException>(() => Config(("ARENA_PROVIDERS", written)));

        Assert.Equal(ArenaErrorIds.InvalidConfigValue, error.ErrorId);
        Assert.Contains(said, error.Message);
    }

    [Fact]
    public async Task The_teardown_audit_says_unknown_for_a_silent_providers_machine_and_names_the_hand_made_ones_left()
    {
        _vast.Pods.Add(OtherProvider.Pod("vast-7", "camp-bravo", "203.0.113.7", 40022));
        await Fleet().ListPodsAsync(CancellationToken.None);
        _vast.Silent = new ArenaException(ArenaErrorIds.ApiUnreachable, ErrorCategory.ConnectionError, "down");
        var pods = new List<ArenaPod>(await Fleet().ListPodsAsync(CancellationToken.None))
        {
            new() { Name = "camp-charlie", MachineName = "charlie", Id = "static-charlie", Provider = ArenaProvider.Static, IsFleetPod = true, Status = ArenaPodStatus.Running },
        };

        var lines = await RunPodLeftovers.PodsAsync(new Listed(pods), Config(("MACHINE_NAME_LIST", "(alpha bravo charlie)")), CancellationToken.None);

        Assert.Equal(new[] { ("camp-bravo", ArenaTeardownState.Unknown), ("camp-charlie", ArenaTeardownState.Left) },
            lines.Where(l => l.Kind == ArenaTeardownKind.FleetPod).Select(l => (l.Item, l.State)).ToArray());
        Assert.Contains("ARENA_HOSTS", lines.Single(l => l.Item == "camp-charlie").Fix);
    }

    private ArenaConfig Config(params (string Key, string Value)[] settings)
    {
        var lines = new[] { "MACHINE_NAME_PREFIX=camp" }.Concat(settings.Where(s => s.Value.Length > 0).Select(s => $"{s.Key}={s.Value}"));
        var file = ConfigLoader.LoadFile(_dir.Write($"config-{Guid.NewGuid():N}.env", string.Join("\n", lines) + "\n"), ArenaConfigOrigin.File, new List<string>());
        return new ConfigResolver(new EmptyEnvironment(), null).Resolve(file, null, null, new List<string>());
    }

    private sealed class EmptyEnvironment : IEnvironmentReader
    {
        public string? Get(string name) => null;
    }

    /// <summary>Another provider in memory: its pods, its calls, and silence on demand.</summary>
    private sealed class OtherProvider : IPodProvider
    {
        public List<ArenaPod> Pods { get; } = new();
        public List<string> Calls { get; } = new();
        public ArenaException? Silent { get; set; }
        public ArenaProvider Provider => ArenaProvider.Vast;
        public bool Owns(string podId) => podId.StartsWith("vast-", StringComparison.Ordinal);

        public static ArenaPod Pod(string id, string name, string ip, int port) => new()
        {
            Id = id, Name = name, MachineName = name["camp-".Length..], IsFleetPod = true, Provider = ArenaProvider.Vast,
            Status = ArenaPodStatus.Running, PublicIp = ip, SshPort = port, GpuCount = 1,
        };

        public Task<IReadOnlyList<ArenaPod>> ListPodsAsync(CancellationToken cancellationToken) =>
            Silent != null ? throw Silent : Task.FromResult<IReadOnlyList<ArenaPod>>(Pods.ToList());
        public Task<ArenaPod?> GetPodAsync(string podId, CancellationToken cancellationToken) => Task.FromResult(Pods.FirstOrDefault(p => p.Id == podId));
        public Task<ArenaPod> CreatePodAsync(PodCreateSpec spec, CancellationToken cancellationToken)
        {
            Calls.Add("Create " + spec.Name);
            return Task.FromResult(Pod("vast-99", spec.Name, "203.0.113.9", 40099));
        }
        public Task StopPodAsync(string podId, CancellationToken cancellationToken) { Calls.Add("Stop " + podId); return Task.CompletedTask; }
        public Task<ArenaPod> StartPodAsync(string podId, int gpuCount, CancellationToken cancellationToken) { Calls.Add("Start " + podId); return Task.FromResult(Pods.First(p => p.Id == podId)); }
        public Task TerminatePodAsync(string podId, CancellationToken cancellationToken) { Calls.Add("Terminate " + podId); return Task.CompletedTask; }
    }

    /// <summary>A fleet API that only lists the given pods, for the audit.</summary>
    private sealed class Listed : IRunPodApi
    {
        private readonly IReadOnlyList<ArenaPod> _pods;
        public Listed(IReadOnlyList<ArenaPod> pods) => _pods = pods;
        public Task<IReadOnlyList<ArenaPod>> ListPodsAsync(CancellationToken cancellationToken) => Task.FromResult(_pods);
        public Task<ArenaPod?> GetPodAsync(string podId, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<ArenaPod> CreatePodAsync(PodCreateSpec spec, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task StopPodAsync(string podId, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<ArenaPod> StartPodAsync(string podId, int gpuCount, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task TerminatePodAsync(string podId, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<GpuOffer?> GetGpuOfferAsync(string gpuTypeId, string cloudType, int gpuCount, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<IReadOnlyList<string>> GetAccountSshKeysAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<ArenaPod> SetLockedAsync(string podId, bool locked, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task ReadLogsAsync(string podId, int tail, bool follow, string? source, Action<PodLogEvent> onLine, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<IReadOnlyList<ArenaNetworkVolume>> ListNetworkVolumesAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
