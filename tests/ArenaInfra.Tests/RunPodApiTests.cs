using System.Diagnostics;
using System.Net.Http;
using System.Text.Json;
using ArenaInfra.Config;
using ArenaInfra.Pods;
using ArenaInfra.Pods.Create;
using ArenaInfra.Proxy;
using ArenaInfra.RunPod;
using ArenaInfra.RunPod.GraphQl;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// Both RunPod backends against the sandbox, one behaviour suite: every case runs against REST v2
/// (the default) and GraphQL (until RunPod retires it), and is read back from the sandbox's request log.
/// </summary>
[Trait("Category", "Sandbox")]
[Trait(TestShard.Trait, TestShard.Second)]
public sealed class RunPodApiTests : IClassFixture<Sandbox>
{
    private readonly Sandbox _sandbox;
    private readonly RecordingLog _log = new();

    public RunPodApiTests(Sandbox sandbox)
    {
        _sandbox = sandbox;
        _sandbox.Warm();
        _sandbox.Reset();
        _sandbox.SeedPod(@"{""name"":""arena-apple"",""desiredStatus"":""RUNNING"",""gpuTypeId"":""NVIDIA RTX A4000"",""costPerHr"":0.17,""machine"":{""gpuDisplayName"":""RTX A4000""}}");
    }

    public static IEnumerable<object[]> Backends() => new[] { new object[] { "rest" }, new object[] { "graphql" } };

    private RunPodClientOptions Options(string? key = null, double timeoutSec = 5, double budgetSec = 20) =>
        new(new Uri(_sandbox.Url + "/"), key ?? Sandbox.ApiKey, "ArenaInfra/0.0.0-test (tests; PowerShell none)")
        {
            RequestTimeout = TimeSpan.FromSeconds(timeoutSec),
            RetryBudget = TimeSpan.FromSeconds(budgetSec),
            RetryBaseDelay = TimeSpan.FromMilliseconds(50),
            Log = _log,
        };

    private IRunPodApi Api(string backend, RunPodClientOptions? options = null) =>
        RunPodApiFactory.Create(backend, options ?? Options(), new PodMapper(new FleetNaming("arena"), new ProxyPortPlan(16000, new[] { "apple", "bloom" })));

    private static PodCreateSpec Bloom(int volumeGb = 0) => new()
    {
        Name = "arena-bloom", MachineName = "bloom", ImageName = "img:1", GpuTypeId = "NVIDIA RTX A4000", GpuCount = 1,
        CloudType = "COMMUNITY", ContainerDiskInGb = 20, VolumeInGb = volumeGb, PublicKey = "ssh-ed25519 AAAA test",
    };

    private static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();

    private ArenaException Fails(Func<Task> call)
    {
        var error = Assert.ThrowsAsync<ArenaException>(call).GetAwaiter().GetResult();
        AssertKeyNeverLeaked(error.Message + error.RecommendedAction);
        return error;
    }

    private ArenaException ListFails(string backend, RunPodClientOptions? options = null) => Fails(() => Api(backend, options).ListPodsAsync(CancellationToken.None));

    private void AssertKeyNeverLeaked(string? extra = null)
    {
        Assert.DoesNotContain(Sandbox.ApiKey, string.Join("\n", _log.Lines) + extra);
        foreach (var request in _sandbox.Requests())
        {
            Assert.DoesNotContain(Sandbox.ApiKey, request.Path + request.QueryString + request.Body);
        }
    }

    private static string PathOf(string backend, string rest) => backend == "rest" ? rest : "/graphql";

    // ---- both backends ----

    [Theory]
    [MemberData(nameof(Backends))]
    public void Lists_pods_with_the_key_only_in_the_authorization_header(string backend)
    {
        var pods = Wait(Api(backend).ListPodsAsync(CancellationToken.None));

        var apple = Assert.Single(pods);
        Assert.Equal("arena-apple", apple.Name);
        Assert.Equal(ArenaPodStatus.Running, apple.Status);
        Assert.Equal("RTX A4000", apple.GpuType);
        var request = Assert.Single(_sandbox.Requests());
        Assert.Equal($"Bearer {Sandbox.ApiKey}", request.Authorization);
        // REST v2 pages the list: RunPod's largest page, so a fleet is one request.
        Assert.Equal(backend == "rest" ? "?limit=1000" : "", request.QueryString);
        Assert.Equal(PathOf(backend, "/v2/pods"), request.Path);
        Assert.Equal("ListPods", request.OperationName);
        Assert.StartsWith("ArenaInfra/", request.UserAgent);
        AssertKeyNeverLeaked();
        Assert.Contains(_log.Lines, l => l.StartsWith("VERBOSE: RunPod ListPods: ") && l.Contains("attempt 1"));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void An_unknown_or_hostile_id_is_no_pod_and_never_changes_the_request(string backend)
    {
        Assert.Null(Wait(Api(backend).GetPodAsync("pod\"with'quotes/../../v2/pods?x=1", CancellationToken.None)));

        var request = Assert.Single(_sandbox.Requests());
        if (backend == "rest")
        {
            // Escaped into one path segment: no other path, no query.
            Assert.StartsWith("/v2/pods/pod%22with", request.Path);
            Assert.Contains("quotes%2F..%2F..%2Fv2%2Fpods%3Fx", request.Path);
            Assert.Equal("", request.QueryString);
            Assert.Equal(404, request.Status);
        }
        else
        {
            var body = JsonDocument.Parse(request.Body).RootElement;
            Assert.DoesNotContain("with'quotes", body.GetProperty("query").GetString());
            Assert.Equal("pod\"with'quotes/../../v2/pods?x=1", body.GetProperty("variables").GetProperty("podId").GetString());
        }
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void A_pod_is_created_stopped_started_and_terminated(string backend)
    {
        var api = Api(backend);
        var created = Wait(api.CreatePodAsync(Bloom(), CancellationToken.None));
        Assert.Equal("arena-bloom", created.Name);
        Assert.Equal("bloom", created.MachineName);

        Wait(Task.Run(async () => { await api.StopPodAsync(created.Id, CancellationToken.None); return true; }));
        Assert.Equal(ArenaPodStatus.Stopped, Wait(api.GetPodAsync(created.Id, CancellationToken.None))!.Status);

        var started = Wait(api.StartPodAsync(created.Id, 1, CancellationToken.None));
        Assert.NotEqual(ArenaPodStatus.Stopped, started.Status);

        Wait(Task.Run(async () => { await api.TerminatePodAsync(created.Id, CancellationToken.None); return true; }));
        Assert.Null(Wait(api.GetPodAsync(created.Id, CancellationToken.None)));
        // A terminate answers no pod (204, or GraphQL's null): a read proves it gone before it counts as done.
        Assert.Equal(new[] { "CreatePod", "StopPod", "GetPod", "ResumePod", "TerminatePod", "GetPod", "GetPod" }, _sandbox.Requests().Select(r => r.OperationName));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void The_price_of_a_gpu_comes_from_the_catalog(string backend)
    {
        var offer = Wait(Api(backend).GetGpuOfferAsync("NVIDIA RTX A4000", "COMMUNITY", 2, CancellationToken.None));

        Assert.Equal(0.17m, offer!.PricePerGpu);
        var request = Assert.Single(_sandbox.Requests());
        if (backend == "rest")
        {
            Assert.Equal("HIGH", offer.Availability);
            Assert.Equal("/v2/catalog/gpus/NVIDIA%20RTX%20A4000", request.Path);
            Assert.Equal("?include=AVAILABILITY&product=POD&count=2&cloud=COMMUNITY", request.QueryString);
        }
        Assert.Null(Wait(Api(backend).GetGpuOfferAsync("NVIDIA No Such GPU", "COMMUNITY", 1, CancellationToken.None))?.PricePerGpu);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Http_429_with_Retry_After_is_retried_after_the_time_it_asks(string backend)
    {
        _sandbox.AddFault(new { kind = "status", status = 429, retryAfter = "1", count = 2 });

        Assert.Single(Wait(Api(backend).ListPodsAsync(CancellationToken.None)));

        var requests = _sandbox.Requests();
        Assert.Equal(new[] { 429, 429, 200 }, requests.Select(r => r.Status));
        Assert.True(requests[1].Time - requests[0].Time >= TimeSpan.FromMilliseconds(950), $"waited only {requests[1].Time - requests[0].Time}");
        Assert.True(requests[2].Time - requests[1].Time >= TimeSpan.FromMilliseconds(950));
        Assert.Contains(_log.Lines, l => l.Contains("HTTP 429; retrying in 1.0 s as Retry-After asks"));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void A_429_on_a_create_is_waited_out_and_sent_again_since_nothing_was_created(string backend)
    {
        _sandbox.AddFault(new { kind = "status", status = 429, retryAfter = "1", count = 1, operation = "podFindAndDeployOnDemand" });

        var pod = Wait(Api(backend).CreatePodAsync(Bloom(), CancellationToken.None));

        Assert.Equal("arena-bloom", pod.Name);
        var creates = _sandbox.Requests().Where(r => r.OperationName == "CreatePod").ToList();
        Assert.Equal(new[] { 429, backend == "rest" ? 201 : 200 }, creates.Select(r => r.Status));
        Assert.True(creates[1].Time - creates[0].Time >= TimeSpan.FromMilliseconds(950));
        Assert.Equal(2, Wait(Api(backend).ListPodsAsync(CancellationToken.None)).Count);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void A_429_on_an_action_is_waited_out_and_sent_again(string backend)
    {
        var id = Wait(Api(backend).ListPodsAsync(CancellationToken.None)).Single().Id;
        _sandbox.AddFault(new { kind = "status", status = 429, retryAfter = "1", count = 1, operation = "podStop" });

        Wait(Task.Run(async () => { await Api(backend).StopPodAsync(id, CancellationToken.None); return true; }));

        var stops = _sandbox.Requests().Where(r => r.OperationName == "StopPod").ToList();
        Assert.Equal(429, stops[0].Status);
        Assert.Equal(200, stops[1].Status);
        Assert.True(stops[1].Time - stops[0].Time >= TimeSpan.FromMilliseconds(950));
        Assert.Equal(ArenaPodStatus.Stopped, Wait(Api(backend).GetPodAsync(id, CancellationToken.None))!.Status);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Endless_429_ends_as_RateLimited_within_the_budget(string backend)
    {
        _sandbox.AddFault(new { kind = "status", status = 429, count = 100 });
        var clock = Stopwatch.StartNew();

        var error = ListFails(backend, Options(budgetSec: 2));

        Assert.Equal("RateLimited", error.ErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.LimitsExceeded, error.Category);
        Assert.True(_sandbox.Requests().Count > 1);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void A_Retry_After_beyond_the_budget_gives_up_at_once(string backend)
    {
        _sandbox.AddFault(new { kind = "status", status = 429, retryAfter = "600", count = 1 });

        Assert.Equal("RateLimited", ListFails(backend, Options(budgetSec: 5)).ErrorId);
        Assert.Single(_sandbox.Requests());
    }

    [Theory]
    [InlineData("rest", 502)]
    [InlineData("rest", 503)]
    [InlineData("rest", 504)]
    [InlineData("graphql", 502)]
    [InlineData("graphql", 503)]
    [InlineData("graphql", 504)]
    public void Gateway_errors_are_retried_for_reads(string backend, int status)
    {
        _sandbox.AddFault(new { kind = "status", status, count = 2 });

        Assert.Single(Wait(Api(backend).ListPodsAsync(CancellationToken.None)));
        Assert.Equal(new[] { status, status, 200 }, _sandbox.Requests().Select(r => r.Status));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Http_500_is_not_retried_and_is_an_ApiError(string backend)
    {
        _sandbox.AddFault(new { kind = "status", status = 500, count = 3 });

        var error = ListFails(backend);

        Assert.Equal("ApiError", error.ErrorId);
        Assert.Contains("HTTP 500", error.Message);
        Assert.Single(_sandbox.Requests());
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void A_response_slower_than_the_timeout_is_retried(string backend)
    {
        _sandbox.AddFault(new { kind = "slow", delayMs = 3000, count = 1 });

        Assert.Single(Wait(Api(backend, Options(timeoutSec: 1)).ListPodsAsync(CancellationToken.None)));
        Assert.Contains(_log.Lines, l => l.Contains("(attempt 2)"));
        Assert.Contains(_log.Lines, l => l.Contains("no answer within 1 s; retrying"));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Responses_that_stay_slow_end_as_ApiUnreachable(string backend)
    {
        _sandbox.AddFault(new { kind = "slow", delayMs = 4000, count = 10 });

        var error = ListFails(backend, Options(timeoutSec: 0.5, budgetSec: 2));

        Assert.Equal("ApiUnreachable", error.ErrorId);
        Assert.Contains("no answer within 0.5 s", error.Message);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void No_network_is_said_once_at_the_first_failure_and_each_attempt_in_Verbose(string backend)
    {
        // A port nothing listens on: every attempt is refused at once.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var options = new RunPodClientOptions(new Uri($"http://127.0.0.1:{port}/"), Sandbox.ApiKey, "ArenaInfra/0.0.0-test (tests; PowerShell none)")
        {
            RequestTimeout = TimeSpan.FromSeconds(2),
            RetryBudget = TimeSpan.FromSeconds(3),
            RetryBaseDelay = TimeSpan.FromMilliseconds(50),
            Log = _log,
        };

        var error = ListFails(backend, options);

        Assert.Equal("ApiUnreachable", error.ErrorId);
        var told = Assert.Single(_log.Lines, l => l.StartsWith("WARNING: RunPod does not answer", StringComparison.Ordinal));
        Assert.Contains($"127.0.0.1:{port}", told);
        Assert.Contains("-Verbose shows each attempt", told);
        // What ends the retries is said as it is: here the attempts, each refused at once, not the budget.
        Assert.Contains("trying again up to 6 times within 3 s", told);
        // The warning comes with the first retry, not after the last one.
        Assert.True(_log.Lines.ToList().IndexOf(told) < _log.Lines.ToList().FindIndex(l => l.Contains("(attempt 3)")), string.Join("\n", _log.Lines));
        Assert.True(_log.Lines.Count(l => l.Contains("retrying in")) >= 2);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void An_html_403_with_error_code_1010_is_NetworkBlocked_not_a_key_problem(string backend)
    {
        _sandbox.AddFault(new { kind = "blocked1010" });

        var error = ListFails(backend);

        Assert.Equal("NetworkBlocked", error.ErrorId);
        Assert.Contains("not a problem with the API key", error.Message);
        Assert.Single(_sandbox.Requests());
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Malformed_json_is_InvalidResponse_with_the_status_and_the_start_of_the_body(string backend)
    {
        _sandbox.AddFault(new { kind = "malformedJson" });

        var error = ListFails(backend);

        Assert.Equal("InvalidResponse", error.ErrorId);
        Assert.Contains("HTTP 200", error.Message);
        Assert.Contains(backend == "rest" ? "{\"pods\": [" : "{\"data\": {\"myself\"", error.Message);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void A_wrong_key_is_AuthenticationFailed(string backend)
    {
        var error = ListFails(backend, Options(key: "wrong-key"));
        Assert.Equal("AuthenticationFailed", error.ErrorId);
        Assert.Contains("HTTP 401", error.Message);
        Assert.Contains("Settings > API Keys", error.RecommendedAction);
    }

    [Theory]
    [InlineData("rest", "capacity", "CapacityUnavailable")]
    [InlineData("rest", "balance", "InsufficientBalance")]
    [InlineData("graphql", "capacity", "CapacityUnavailable")]
    [InlineData("graphql", "balance", "InsufficientBalance")]
    public void Create_errors_map_to_their_ids(string backend, string kind, string errorId)
    {
        _sandbox.AddFault(new { kind });

        var error = Fails(() => Api(backend).CreatePodAsync(Bloom(), CancellationToken.None));

        Assert.Equal(errorId, error.ErrorId);
        Assert.Single(_sandbox.Requests());
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void A_create_that_commits_then_answers_502_is_never_sent_twice_and_PodCreator_finds_the_pod(string backend)
    {
        _sandbox.AddFault(new { kind = "commitThen502" });

        var pod = Wait(new PodCreator(Api(backend), _log, retryDelay: TimeSpan.FromMilliseconds(10)).CreateAsync(Bloom(), CancellationToken.None));

        Assert.Equal("arena-bloom", pod.Name);
        Assert.Single(_sandbox.Requests(), r => r.OperationName == "CreatePod");
        Assert.Single(Wait(Api(backend).ListPodsAsync(CancellationToken.None)), p => p.Name == "arena-bloom");
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void A_retired_api_is_ApiRetired_and_says_what_to_change_not_to_wait(string backend)
    {
        _sandbox.AddFault(new { kind = "status", status = 410, count = 5 });

        var error = ListFails(backend);

        Assert.Equal("ApiRetired", error.ErrorId);
        Assert.Contains("retired", error.Message);
        Assert.DoesNotContain("try again later", (error.Message + error.RecommendedAction).ToLowerInvariant());
        Assert.Contains("RUNPOD_API", error.RecommendedAction);
        Assert.Single(_sandbox.Requests());
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Cancellation_stops_a_request_promptly(string backend)
    {
        _sandbox.AddFault(new { kind = "slow", delayMs = 10000 });
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();

        var task = Api(backend, Options(timeoutSec: 30)).ListPodsAsync(cancel.Token);

        Assert.ThrowsAnyAsync<OperationCanceledException>(() => task).Wait();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void An_action_whose_answer_is_lost_is_settled_by_reading_the_pod(string backend)
    {
        var id = Wait(Api(backend).ListPodsAsync(CancellationToken.None)).Single().Id;
        // The stop happened, the answer was lost: the pod shows it, so it is not sent again.
        _sandbox.AddFault(new { kind = "commitThen502", operation = "podStop" });
        Wait(Task.Run(async () => { await Api(backend).StopPodAsync(id, CancellationToken.None); return true; }));
        Assert.Equal(new[] { 502 }, _sandbox.Requests().Where(r => r.OperationName == "StopPod").Select(r => r.Status));
        Assert.Contains(_log.Lines, l => l.Contains($"StopPod {id}: the answer was lost") && l.Contains("the pod shows it happened"));

        // The start did not happen (a gateway error before it): the pod is unchanged, so it is sent again.
        _sandbox.Reset();
        _sandbox.SeedPod(@"{""id"":""pod-two"",""name"":""arena-bloom"",""desiredStatus"":""EXITED""}");
        _sandbox.AddFault(new { kind = "status", status = 502, count = 1, operation = "podResume" });
        var started = Wait(Api(backend).StartPodAsync("pod-two", 1, CancellationToken.None));
        Assert.NotEqual(ArenaPodStatus.Stopped, started.Status);
        Assert.Equal(new[] { 502, 200 }, _sandbox.Requests().Where(r => r.OperationName == "ResumePod").Select(r => r.Status));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void A_terminate_whose_answer_is_lost_is_done_when_the_pod_is_gone(string backend)
    {
        var id = Wait(Api(backend).ListPodsAsync(CancellationToken.None)).Single().Id;
        _sandbox.AddFault(new { kind = "commitThen502", operation = "podTerminate" });

        Wait(Task.Run(async () => { await Api(backend).TerminatePodAsync(id, CancellationToken.None); return true; }));

        Assert.Single(_sandbox.Requests(), r => r.OperationName == "TerminatePod");
        Assert.DoesNotContain(Wait(Api(backend).ListPodsAsync(CancellationToken.None)), p => p.Id == id && p.Status != ArenaPodStatus.Terminated);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void A_stop_whose_answer_is_lost_every_time_is_sent_three_times_then_fails_as_lost(string backend)
    {
        var id = Wait(Api(backend).ListPodsAsync(CancellationToken.None)).Single().Id;
        _sandbox.AddFault(new { kind = "status", status = 503, count = 3, operation = "podStop" });

        var error = Fails(() => Api(backend).StopPodAsync(id, CancellationToken.None));

        Assert.Equal(503, error.HttpStatus);
        Assert.Equal(new[] { 503, 503, 503 }, _sandbox.Requests().Where(r => r.OperationName == "StopPod").Select(r => r.Status));
        Assert.Equal(ArenaPodStatus.Running, Wait(Api(backend).GetPodAsync(id, CancellationToken.None))!.Status);
    }

    // ---- GraphQL only ----

    [Fact]
    public void GraphQL_sends_pod_ids_inline_and_names_no_input_type_no_official_client_names()
    {
        var api = Api("graphql");
        var id = Wait(api.ListPodsAsync(CancellationToken.None)).Single().Id;
        Wait(api.GetPodAsync(id, CancellationToken.None));
        Wait(Task.Run(async () => { await api.StopPodAsync(id, CancellationToken.None); return true; }));
        Wait(api.StartPodAsync(id, 1, CancellationToken.None));
        Wait(Task.Run(async () => { await api.TerminatePodAsync(id, CancellationToken.None); return true; }));

        foreach (var request in _sandbox.Requests().Where(r => r.OperationName != "ListPods"))
        {
            var query = JsonDocument.Parse(request.Body).RootElement.GetProperty("query").GetString()!;
            Assert.Contains("input: {podId: $podId", query);
            Assert.DoesNotMatch(@"\$\w+: Pod\w*(Input|Filter)!", query);
            Assert.Equal(200, request.Status);
        }
    }

    [Theory]
    [InlineData("unauthorized200")]
    [InlineData("myselfNull")]
    public void GraphQL_unauthorized_with_http_200_and_a_null_account_are_AuthenticationFailed(string kind)
    {
        _sandbox.AddFault(new { kind });
        Assert.Equal("AuthenticationFailed", ListFails("graphql").ErrorId);
    }

    [Fact]
    public void GraphQL_a_field_RunPod_does_not_have_fails_as_it_would_there()
    {
        var transport = new GraphQlTransport(new RunPodHttp(Options()));

        var error = Fails(() => transport.SendAsync("Bogus", "query Bogus { myself { pods { id notAField } } }", null, RequestKind.Read, CancellationToken.None));

        Assert.Equal("ApiError", error.ErrorId);
        Assert.Contains("GRAPHQL_VALIDATION_FAILED", error.Message);
        Assert.Contains("notAField", error.Message);
        Assert.Equal(400, Assert.Single(_sandbox.Requests()).Status);
    }

    // ---- REST v2 only ----

    [Theory]
    [InlineData(0)]
    [InlineData(20)]
    public void REST_create_sends_exactly_the_fields_of_the_contract(int volumeGb)
    {
        Wait(Api("rest").CreatePodAsync(Bloom(volumeGb), CancellationToken.None));

        var create = _sandbox.Requests().Single(r => r.OperationName == "CreatePod");
        Assert.Equal(201, create.Status);
        var body = JsonDocument.Parse(create.Body).RootElement;
        var fields = body.EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal).ToList();
        var expected = new List<string> { "cloud", "disk", "env", "gpu", "image", "name", "ports" };
        if (volumeGb > 0) expected.Add("mounts");
        Assert.Equal(expected.OrderBy(n => n, StringComparer.Ordinal), fields);
        Assert.Equal("COMMUNITY", body.GetProperty("cloud").GetString());
        Assert.Equal("NVIDIA RTX A4000", body.GetProperty("gpu").GetProperty("id").GetString());
        Assert.Equal(1, body.GetProperty("gpu").GetProperty("count").GetInt32());
        Assert.Equal(20, body.GetProperty("disk").GetInt32());
        Assert.Equal(new[] { "8888/http", "22/tcp" }, body.GetProperty("ports").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal("bloom", body.GetProperty("env").GetProperty("MACHINE_NAME").GetString());
        Assert.Equal("ssh-ed25519 AAAA test", body.GetProperty("env").GetProperty("PUBLIC_KEY").GetString());
        if (volumeGb > 0)
        {
            var persistent = body.GetProperty("mounts").GetProperty("persistent");
            Assert.Equal(20, persistent.GetProperty("size").GetInt32());
            Assert.Equal("/workspace", persistent.GetProperty("path").GetString());
        }
    }

    [Theory]
    [InlineData(400, "gpu count exceeds the machine's maximum", "ApiError")]
    [InlineData(403, "access denied to this pool", "ApiError")]
    [InlineData(402, "insufficient balance", "InsufficientBalance")]
    [InlineData(409, "pod belongs to a cluster", "PodActionNotValid")]
    [InlineData(422, "Request validation failed.", "RequestRejected")]
    public void REST_each_error_status_has_its_id_and_carries_RunPods_detail(int status, string detail, string errorId)
    {
        _sandbox.AddFault(new { kind = "status", status, detail, count = 1, operation = "podFindAndDeployOnDemand" });

        var error = Fails(() => Api("rest").CreatePodAsync(Bloom(), CancellationToken.None));

        Assert.Equal(errorId, error.ErrorId);
        Assert.Contains(detail, error.Message);
        Assert.Contains($"HTTP {status}", error.Message);
        Assert.Single(_sandbox.Requests(), r => r.OperationName == "CreatePod");
    }

    [Fact]
    public void REST_the_sandbox_refuses_a_field_the_contract_does_not_have_and_the_error_says_it_is_our_bug()
    {
        var http = new RunPodHttp(Options());
        var body = JsonSerializer.Serialize(new { name = "arena-x", image = "img", gpu = new { id = "NVIDIA RTX A4000" }, supportPublicIp = true });
        var answer = Wait(http.SendAsync(new RunPodHttpRequest("CreatePod", HttpMethod.Post, new Uri(_sandbox.Url + "/v2/pods"), RequestKind.Create) { JsonBody = body }, CancellationToken.None));

        Assert.Equal(422, answer.StatusCode);
        var error = RunPodErrors.FromV2Problem("CreatePod", answer, Sandbox.ApiKey);
        Assert.Equal("RequestRejected", error.ErrorId);
        Assert.Contains("additional properties 'supportPublicIp' not allowed", error.Message);
        Assert.Contains("bug in ArenaInfra", error.Message);
        Assert.DoesNotContain(Wait(Api("rest").ListPodsAsync(CancellationToken.None)), p => p.Name == "arena-x");
    }

    [Fact]
    public void REST_an_action_the_pod_does_not_allow_now_says_its_state_and_what_it_allows()
    {
        _sandbox.SeedPod(@"{""id"":""pod-broken"",""name"":""arena-bloom"",""desiredStatus"":""ERROR""}");

        var error = Fails(() => Api("rest").StopPodAsync("pod-broken", CancellationToken.None));

        Assert.Equal("PodActionNotValid", error.ErrorId);
        Assert.StartsWith("arena-bloom: ", error.Message);
        Assert.Contains("it is ERROR", error.Message);
        Assert.Contains("allows terminate", error.Message);
        Assert.Equal(409, _sandbox.Requests().Single(r => r.OperationName == "StopPod").Status);
    }

    [Fact]
    public void REST_an_action_already_done_is_done_not_an_error()
    {
        // A start that RunPod refuses because the pod already runs has what it wanted.
        var id = Wait(Api("rest").ListPodsAsync(CancellationToken.None)).Single().Id;

        var pod = Wait(Api("rest").StartPodAsync(id, 1, CancellationToken.None));

        Assert.Equal(ArenaPodStatus.Running, pod.Status);
        Assert.Equal(409, _sandbox.Requests().Single(r => r.OperationName == "ResumePod").Status);
    }

    [Fact]
    public void REST_a_used_up_rate_limit_window_holds_the_next_request_until_it_resets()
    {
        _sandbox.AddFault(new { kind = "rateLimitWindow", resetSec = 2, count = 1 });
        var api = Api("rest");

        Wait(api.ListPodsAsync(CancellationToken.None));
        Wait(api.ListPodsAsync(CancellationToken.None));

        var requests = _sandbox.Requests();
        Assert.Equal(new[] { 200, 200 }, requests.Select(r => r.Status));
        Assert.True(requests[1].Time - requests[0].Time >= TimeSpan.FromMilliseconds(1900), $"waited only {requests[1].Time - requests[0].Time}");
        Assert.Contains(_log.Lines, l => l.Contains("rate-limit window is used up"));
    }

    [Fact]
    public void REST_logs_give_the_last_lines_and_end_after_the_backfill()
    {
        var id = Wait(Api("rest").ListPodsAsync(CancellationToken.None)).Single().Id;
        _sandbox.AppendLog(id, Enumerable.Range(1, 8).Select(i => ("container", $"line {i}")), past: true);
        var lines = new List<PodLogEvent>();
        var clock = Stopwatch.StartNew();

        Wait(Task.Run(async () => { await Api("rest").ReadLogsAsync(id, 3, false, null, l => { lock (lines) lines.Add(l); }, CancellationToken.None); return true; }));

        Assert.Equal(new[] { "line 6", "line 7", "line 8" }, lines.Select(l => l.Line));
        Assert.All(lines, l => Assert.Equal("container", l.Source));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"took {clock.Elapsed}");
        Assert.Equal("?tail=3", Assert.Single(_sandbox.Requests(), r => r.OperationName == "PodLogs").QueryString);
    }

    [Fact]
    public void REST_following_a_log_gets_new_lines_until_cancelled()
    {
        var id = Wait(Api("rest").ListPodsAsync(CancellationToken.None)).Single().Id;
        var lines = new List<string>();
        using var cancel = new CancellationTokenSource();

        var reading = Api("rest").ReadLogsAsync(id, 0, true, null, l => { lock (lines) lines.Add(l.Line); }, cancel.Token);
        Thread.Sleep(500);
        _sandbox.AppendLog(id, new[] { ("container", "epoch 1 done") });
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && !HasLine()) Thread.Sleep(100);
        var clock = Stopwatch.StartNew();
        cancel.Cancel();

        Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading).Wait();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"stopping took {clock.Elapsed}");
        Assert.True(HasLine(), "the new line never arrived");
        lock (lines) Assert.DoesNotContain(lines, l => l.StartsWith("Pulling image", StringComparison.Ordinal));

        bool HasLine()
        {
            lock (lines) return lines.Contains("epoch 1 done");
        }
    }

    [Fact]
    public void REST_a_log_stream_that_stalls_ends_by_the_deadline()
    {
        var id = Wait(Api("rest").ListPodsAsync(CancellationToken.None)).Single().Id;
        _sandbox.AddFault(new { kind = "slowLogs" });
        var clock = Stopwatch.StartNew();

        Wait(Task.Run(async () => { await Api("rest", Options(timeoutSec: 1.5)).ReadLogsAsync(id, 1000, false, null, _ => { }, CancellationToken.None); return true; }));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }
}
