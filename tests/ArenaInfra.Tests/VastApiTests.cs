using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using ArenaInfra.Common;
using ArenaInfra.Config;
using ArenaInfra.RunPod;
using ArenaInfra.Tests.Support;
using ArenaInfra.Vast;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>Vast.ai as a provider against the strict local double: list, create, stop, start, destroy, and what Vast sends back taken as hostile.</summary>
public sealed class VastApiTests : IClassFixture<VastDouble>
{
    private readonly VastDouble _vast;
    private readonly RecordingLog _log = new();

    public VastApiTests(VastDouble vast)
    {
        _vast = vast;
        _vast.Clear();
        _vast.PageSize = 25;
    }

    private VastApi Api(string? key = null) => new(new VastOptions(new Uri(_vast.Url + "/"), key ?? VastDouble.ApiKey, "ArenaInfra-tests")
    {
        RequestTimeout = TimeSpan.FromSeconds(5),
        RetryBudget = TimeSpan.FromSeconds(6),
        RetryBaseDelay = TimeSpan.FromMilliseconds(50),
        MaxPricePerHour = 0.50m,
        ConfirmTimeout = TimeSpan.FromSeconds(1),
        ConfirmInterval = TimeSpan.FromMilliseconds(100),
        Log = _log,
    }, VastInstanceMapper.For(ConfigLoader.Defaults()));

    private static PodCreateSpec Spec(string machine = "apple") => new()
    {
        Name = "arena-" + machine,
        MachineName = machine,
        ImageName = "nickypro/arena-env:6.1",
        GpuTypeId = "NVIDIA RTX A4000",
        GpuCount = 1,
        ContainerDiskInGb = 100,
        PublicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOrganiserKey organiser\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAccountKey account",
    };

    private static JsonObject Instance(long id, string label, string actual, JsonObject? ports = null, string publicIp = "198.51.100.4\n", string sshHost = "ssh2.vast.ai", int sshPort = 31002) => new()
    {
        ["id"] = id,
        ["label"] = label,
        ["actual_status"] = actual,
        ["intended_status"] = actual == "exited" ? "stopped" : "running",
        ["cur_state"] = actual == "exited" ? "stopped" : "running",
        ["gpu_name"] = "RTX A4000",
        ["num_gpus"] = 1,
        ["dph_total"] = 0.2165,
        ["image_uuid"] = "nickypro/arena-env:6.1",
        ["disk_space"] = 100.0,
        ["public_ipaddr"] = publicIp,
        ["ports"] = ports ?? new JsonObject(),
        ["ssh_host"] = sshHost,
        ["ssh_port"] = sshPort,
        ["image_runtype"] = "ssh_direct",
    };

    private static JsonObject Direct(string hostPort) => new() { ["22/tcp"] = new JsonArray(new JsonObject { ["HostIp"] = "0.0.0.0", ["HostPort"] = hostPort }) };

    [Fact]
    public async Task The_list_maps_a_direct_port_a_proxy_endpoint_and_each_state_across_pages()
    {
        _vast.PageSize = 2;
        _vast.SeedInstance(Instance(101, "arena-apple", "running", Direct("40112")));
        _vast.SeedInstance(Instance(102, "arena-bloom", "running"));
        _vast.SeedInstance(Instance(103, "arena-cloud", "exited", Direct("40200")));
        _vast.SeedInstance(Instance(104, "arena-dune", "loading"));
        _vast.SeedInstance(Instance(105, "scratch", "offline"));

        var pods = (await Api().ListPodsAsync(CancellationToken.None)).ToDictionary(p => p.Id);

        Assert.Equal(new[] { "vast-101", "vast-102", "vast-103", "vast-104", "vast-105" }, pods.Keys.OrderBy(k => k));
        var apple = pods["vast-101"];
        Assert.Equal((ArenaProvider.Vast, "arena-apple", "apple", true, ArenaPodStatus.Running), (apple.Provider, apple.Name, apple.MachineName, apple.IsFleetPod, apple.Status));
        Assert.Equal("198.51.100.4:40112", apple.SshEndpoint);
        Assert.Equal(("RTX A4000", 1, 0.2165m, "nickypro/arena-env:6.1", 100), (apple.GpuType, apple.GpuCount, apple.CostPerHour, apple.Image, apple.DiskSizeGB));
        Assert.Equal(16000, apple.ProxyPort);
        Assert.Equal(("ssh2.vast.ai:31002", ArenaPodStatus.Running), (pods["vast-102"].SshEndpoint, pods["vast-102"].Status));
        Assert.Equal(ArenaPodStatus.Stopped, pods["vast-103"].Status);
        Assert.Equal(ArenaPodStatus.Provisioning, pods["vast-104"].Status);
        Assert.Equal((ArenaPodStatus.Unknown, false, (string?)null), (pods["vast-105"].Status, pods["vast-105"].IsFleetPod, pods["vast-105"].MachineName));
        // Five instances at two a page: three pages, the token of each page carried to the next.
        var lists = _vast.Requests().Where(r => r.Path == "/api/v1/instances/").ToList();
        Assert.Equal(3, lists.Count);
        Assert.All(lists, r => Assert.Equal(200, r.Status));
    }

    [Fact]
    public async Task A_running_instance_without_any_endpoint_is_Starting_with_the_reason()
    {
        var bare = Instance(110, "arena-echo", "running");
        bare.Remove("ssh_host");
        bare.Remove("ssh_port");
        _vast.SeedInstance(bare);

        var pod = Assert.Single(await Api().ListPodsAsync(CancellationToken.None));

        Assert.Equal((ArenaPodStatus.Starting, (string?)null), (pod.Status, pod.SshEndpoint));
        Assert.Contains("no SSH endpoint", pod.SshProblem);
    }

    [Fact]
    public async Task A_create_rents_the_cheapest_matching_offer_with_the_q_body_the_label_and_the_keys()
    {
        _vast.SeedOffer(201, "RTX A4000", 1, 200, 0.30);
        _vast.SeedOffer(202, "RTX A4000", 1, 200, 0.20, direct: true, publicIp: "198.51.100.9", sshPort: 41022);
        _vast.SeedOffer(203, "RTX 4090", 1, 200, 0.05);
        _vast.SeedOffer(204, "RTX A4000", 1, 200, 0.90);
        _vast.SeedOffer(205, "RTX A4000", 2, 200, 0.10);
        _vast.SeedOffer(206, "RTX A4000", 1, 50, 0.08);

        var pod = await Api().CreatePodAsync(Spec(), CancellationToken.None);

        Assert.Equal((ArenaProvider.Vast, "arena-apple", "apple", ArenaPodStatus.Running, "198.51.100.9:41022"), (pod.Provider, pod.Name, pod.MachineName, pod.Status, pod.SshEndpoint));
        var id = long.Parse(pod.Id["vast-".Length..]);
        var search = JsonNode.Parse(_vast.Requests().Single(r => r.Path == "/api/v0/search/asks/").Body)!.AsObject();
        Assert.Equal(new[] { "q", "select_cols" }, search.Select(p => p.Key).OrderBy(k => k));
        var q = search["q"]!;
        Assert.Equal(("RTX A4000", 1, 100, 0.50m), (q["gpu_name"]!["eq"]!.GetValue<string>(), q["num_gpus"]!["eq"]!.GetValue<int>(), q["disk_space"]!["gte"]!.GetValue<int>(), q["dph_total"]!["lte"]!.GetValue<decimal>()));
        Assert.True(q["rentable"]!["eq"]!.GetValue<bool>());
        var rent = Assert.Single(_vast.Requests(), r => r.Path.StartsWith("/api/v0/asks/", StringComparison.Ordinal));
        Assert.Equal(("/api/v0/asks/202/", 200), (rent.Path, rent.Status));
        var body = JsonNode.Parse(rent.Body)!;
        Assert.Equal(("arena-apple", "nickypro/arena-env:6.1", "apple"), (body["label"]!.GetValue<string>(), body["image"]!.GetValue<string>(), body["env"]!["MACHINE_NAME"]!.GetValue<string>()));
        Assert.Equal(new[] { "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOrganiserKey organiser", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAccountKey account" }, _vast.KeysOf(id));
    }

    [Fact]
    public async Task The_double_refuses_a_flat_search_body_as_Vast_does()
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Put, _vast.Url + "/api/v0/search/asks/")
        {
            Content = new StringContent("{\"rentable\":{\"eq\":true},\"gpu_name\":{\"eq\":\"RTX A4000\"}}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", VastDouble.ApiKey);

        using var answer = await http.SendAsync(request);

        Assert.Equal(400, (int)answer.StatusCode);
        Assert.Contains("Unrecognized key in body: rentable", await answer.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_search_that_finds_nothing_is_CapacityUnavailable_naming_the_type_the_count_and_the_cap()
    {
        _vast.SeedOffer(301, "RTX A4000", 1, 200, 0.75);

        var e = await Assert.ThrowsAsync<ArenaException>(() => Api().CreatePodAsync(Spec(), CancellationToken.None));

        Assert.Equal(ArenaErrorIds.CapacityUnavailable, e.ErrorId);
        Assert.Contains("1 x RTX A4000", e.Message);
        Assert.Contains("$0.50", e.Message);
        Assert.DoesNotContain(_vast.Requests(), r => r.Path.StartsWith("/api/v0/asks/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MaxCostPerHour_under_the_configured_cap_is_the_cap_of_the_search()
    {
        _vast.SeedOffer(311, "RTX A4000", 1, 200, 0.40);
        var spec = Spec();
        spec.MaxPricePerHour = 0.25m;

        var e = await Assert.ThrowsAsync<ArenaException>(() => Api().CreatePodAsync(spec, CancellationToken.None));

        Assert.Equal(ArenaErrorIds.CapacityUnavailable, e.ErrorId);
        Assert.Contains("$0.25", e.Message);
        var q = JsonNode.Parse(_vast.Requests().Single(r => r.Path == "/api/v0/search/asks/").Body)!["q"]!;
        Assert.Equal(0.25m, q["dph_total"]!["lte"]!.GetValue<decimal>());
        Assert.DoesNotContain(_vast.Requests(), r => r.Path.StartsWith("/api/v0/asks/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_429_is_sent_again_after_its_Retry_After()
    {
        _vast.SeedInstance(Instance(401, "arena-apple", "running", Direct("40112")));
        _vast.Throttle(1, 1);
        var clock = Stopwatch.StartNew();

        var pods = await Api().ListPodsAsync(CancellationToken.None);

        Assert.Equal("vast-401", Assert.Single(pods).Id);
        Assert.Equal(new[] { 429, 200 }, _vast.Requests().Select(r => r.Status));
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(900), $"sent again after {clock.Elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task An_offer_taken_between_search_and_rent_is_followed_by_the_next_offer()
    {
        _vast.SeedOffer(501, "RTX A4000", 1, 200, 0.10);
        _vast.SeedOffer(502, "RTX A4000", 1, 200, 0.20);
        _vast.TakeAtRent(501);

        var pod = await Api().CreatePodAsync(Spec(), CancellationToken.None);

        var rents = _vast.Requests().Where(r => r.Path.StartsWith("/api/v0/asks/", StringComparison.Ordinal)).Select(r => (r.Path, r.Status)).ToList();
        Assert.Equal(new[] { ("/api/v0/asks/501/", 410), ("/api/v0/asks/502/", 200) }, rents);
        Assert.Equal(0.20m, pod.CostPerHour);
    }

    [Fact]
    public async Task Offers_taken_one_after_another_end_after_three_tries_with_nothing_rented()
    {
        foreach (var id in new long[] { 601, 602, 603, 604 })
        {
            _vast.SeedOffer(id, "RTX A4000", 1, 200, 0.10 + id / 10000.0);
            _vast.TakeAtRent(id);
        }

        var e = await Assert.ThrowsAsync<ArenaException>(() => Api().CreatePodAsync(Spec(), CancellationToken.None));

        Assert.Equal(ArenaErrorIds.CapacityUnavailable, e.ErrorId);
        Assert.Equal(3, _vast.Requests().Count(r => r.Path.StartsWith("/api/v0/asks/", StringComparison.Ordinal)));
        Assert.Null(_vast.Instance(7_000_001));
    }

    [Fact]
    public async Task A_rent_with_an_unclear_failure_is_never_sent_again()
    {
        _vast.SeedOffer(701, "RTX A4000", 1, 200, 0.10);
        _vast.SeedOffer(702, "RTX A4000", 1, 200, 0.20);
        _vast.RentFailsWith = 502;

        var e = await Assert.ThrowsAsync<ArenaException>(() => Api().CreatePodAsync(Spec(), CancellationToken.None));

        Assert.Equal((ArenaErrorIds.ApiError, (int?)502), (e.ErrorId, e.HttpStatus));
        Assert.Single(_vast.Requests(), r => r.Path.StartsWith("/api/v0/asks/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_stop_is_done_only_when_the_machine_shows_stopped_not_when_Vast_shows_it_is_meant_to()
    {
        var id = _vast.SeedInstance(Instance(802, "arena-pear", "running", Direct("40113")));
        var api = Api();
        // Vast shows intended_status stopped at once; the machine (actual_status) stays running for 20
        // reads, longer than the confirmation waits here (1 s, a read each 100 ms).
        _vast.StateLags(20);

        var stop = await Assert.ThrowsAsync<ArenaException>(() => api.StopPodAsync("vast-802", CancellationToken.None));

        Assert.Equal(ArenaErrorIds.PodOperationFailed, stop.ErrorId);
        Assert.Contains("not counted as done", stop.Message);
        Assert.Equal("running", _vast.Instance(id)!["actual_status"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_stop_whose_machine_stops_a_few_reads_later_is_done_then()
    {
        var id = _vast.SeedInstance(Instance(803, "arena-plum", "running", Direct("40114")));
        var api = Api();
        _vast.StateLags(2);

        await api.StopPodAsync("vast-803", CancellationToken.None);

        Assert.Equal("exited", _vast.Instance(id)!["actual_status"]!.GetValue<string>());
        Assert.Equal(ArenaPodStatus.Stopped, (await api.GetPodAsync("vast-803", CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task Stop_start_and_destroy_are_done_only_when_a_read_shows_them()
    {
        var id = _vast.SeedInstance(Instance(801, "arena-apple", "running", Direct("40112")));
        var api = Api();

        await api.StopPodAsync("vast-801", CancellationToken.None);
        Assert.Equal(("stopped", "exited"), (_vast.Instance(id)!["intended_status"]!.GetValue<string>(), _vast.Instance(id)!["actual_status"]!.GetValue<string>()));
        Assert.Equal(ArenaPodStatus.Stopped, (await api.GetPodAsync("vast-801", CancellationToken.None))!.Status);

        var started = await api.StartPodAsync("vast-801", 1, CancellationToken.None);
        Assert.Equal((ArenaPodStatus.Running, "running"), (started.Status, started.DesiredStatus));

        _vast.DestroyLingers(2);
        await api.TerminatePodAsync("vast-801", CancellationToken.None);
        Assert.Null(_vast.Instance(id));
        Assert.Null(await api.GetPodAsync("vast-801", CancellationToken.None));
        var sent = _vast.Requests().Where(r => r.Method != "GET").Select(r => (r.Method, r.Path, r.Body)).ToList();
        Assert.Equal(new[]
        {
            ("PUT", "/api/v0/instances/801/", "{\"state\":\"stopped\"}"),
            ("PUT", "/api/v0/instances/801/", "{\"state\":\"running\"}"),
            ("DELETE", "/api/v0/instances/801/", "{}"),
        }, sent);
    }

    [Fact]
    public async Task A_destroy_a_read_never_shows_done_is_not_counted_as_done()
    {
        _vast.SeedInstance(Instance(901, "arena-apple", "running", Direct("40112")));
        _vast.DestroyLingers(1000);

        var e = await Assert.ThrowsAsync<ArenaException>(() => Api().TerminatePodAsync("vast-901", CancellationToken.None));

        Assert.Equal(ArenaErrorIds.PodOperationFailed, e.ErrorId);
        Assert.Contains("not counted as done", e.Message);
    }

    [Fact]
    public async Task Hostile_names_hosts_and_ports_from_Vast_are_refused_by_the_same_gate_as_RunPods()
    {
        _vast.SeedInstance(Instance(1001, "arena-apple", "running", Direct("40112")));
        _vast.SeedInstance(Instance(1002, "arena-x;rm -rf ~\u001b[2J", "running", Direct("40113")));
        _vast.SeedInstance(Instance(1003, "arena-bloom", "running", Direct("40114"), publicIp: "evil.example -oProxyCommand=touch\n"));
        _vast.SeedInstance(Instance(1004, "arena-cloud", "running", Direct("70000")));
        _vast.SeedInstance(Instance(1005, "arena-dune", "running", sshHost: "ssh2.vast.ai\nHost *", sshPort: 31005));
        var typed = Instance(1006, "arena-echo", "running", Direct("40116"));
        typed["num_gpus"] = "lots";
        _vast.SeedInstance(typed);

        var pods = await Api().ListPodsAsync(CancellationToken.None);
        var warnings = new List<string>();
        var usable = UntrustedValue.Usable(pods, needsEndpoint: true, warnings.Add);

        Assert.Equal(new[] { "vast-1001", "vast-1006" }, usable.Select(p => p.Id).OrderBy(i => i));
        Assert.Equal(4, warnings.Count);
        Assert.All(warnings, w => Assert.True(TerminalText.IsSafe(w), w));
        Assert.Contains(warnings, w => w.Contains("vast-1004") && w.Contains("70000"));
        Assert.Equal(0, pods.Single(p => p.Id == "vast-1006").GpuCount);
        Assert.Contains(_log.Lines, l => l.StartsWith("WARNING: arena-echo: Vast.ai sent num_gpus", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_key_goes_only_in_the_Authorization_header_never_in_a_URL_a_body_a_log_or_an_error()
    {
        _vast.SeedOffer(1101, "RTX A4000", 1, 200, 0.10);
        var pod = await Api().CreatePodAsync(Spec(), CancellationToken.None);
        await Api().ListPodsAsync(CancellationToken.None);
        await Api().StopPodAsync(pod.Id, CancellationToken.None);
        const string wrong = "vast-wrong-key-3f9c2a7d";

        var e = await Assert.ThrowsAsync<ArenaException>(() => Api(wrong).ListPodsAsync(CancellationToken.None));

        Assert.Equal(ArenaErrorIds.AuthenticationFailed, e.ErrorId);
        Assert.Contains("Set-ArenaApiKey -Service Vast", e.RecommendedAction);
        Assert.DoesNotContain(wrong, e.Message + e.RecommendedAction);
        Assert.All(_vast.Requests(), r =>
        {
            Assert.DoesNotContain(VastDouble.ApiKey, r.Path + r.Query + r.Body);
            Assert.DoesNotContain(wrong, r.Path + r.Query + r.Body);
        });
        Assert.Contains(_vast.Requests(), r => r.Authorization == "Bearer " + VastDouble.ApiKey);
        Assert.DoesNotContain(_log.Lines, l => l.Contains(VastDouble.ApiKey) || l.Contains(wrong));
    }
}
