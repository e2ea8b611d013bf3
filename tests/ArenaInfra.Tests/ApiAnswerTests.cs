using System.Security;
using System.Text.Json;
using ArenaInfra.Config;
using ArenaInfra.Pods;
using ArenaInfra.Proxy;
using ArenaInfra.RunPod;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// What RunPod's API answers, taken only for what it proves: a pod list read to its last page, a 2xx
/// that carries an error, a redirect, numbers out of range, a cloud the catalog does not offer, and the
/// account's own SSH keys. Each case is the sandbox misbehaving as the live API can.
/// </summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
public sealed class ApiAnswerTests : IClassFixture<Sandbox>, IDisposable
{
    private readonly Sandbox _sandbox;
    private readonly RecordingLog _log = new();
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars;
    private readonly string _publicKey;
    private readonly string _key;

    private const string AccountKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILXGDN/SclOozk1xsDztpmhGiKkkrfQB9SKoO8dSIQQZ organiser@laptop";

    public ApiAnswerTests(Sandbox sandbox)
    {
        _sandbox = sandbox;
        _sandbox.Reset();
        _key = Path.Combine(_dir.Path, "shared_key");
        File.Copy(RepoPaths.Fixture("keys/test_ed25519"), _key);
        File.Copy(RepoPaths.Fixture("keys/test_ed25519.pub"), _key + ".pub");
        _publicKey = File.ReadAllText(_key + ".pub").Trim();
        var secure = new SecureString();
        foreach (var c in Sandbox.ApiKey) secure.AppendChar(c);
        _vars = new Dictionary<string, object?> { ["configPath"] = WriteConfig(), ["key"] = secure };
    }

    public void Dispose()
    {
        _host.Dispose();
        _dir.Dispose();
    }

    private string WriteConfig(params string[] extra) =>
        _dir.Write(Guid.NewGuid().ToString("N") + ".env", string.Join("\n", new[]
        {
            $"RUNPOD_API_BASE_URL={_sandbox.Url}",
            $"SHARED_SSH_KEY_PATH={_key}",
            "MACHINE_NAME_PREFIX=camp",
            "MACHINE_NAME_LIST=(alpha bravo charlie delta echo)",
            "RUNPOD_DISK_SPACE_IN_GB=80",
            "RUNPOD_CLOUD_TYPE=COMMUNITY",
            "RUNPOD_API_MAX_RPS=0",
        }.Concat(extra)) + "\n");

    private HostResult Run(string script) =>
        _host.Run("$cfg = Import-ArenaConfig $configPath -NoDefault\n$PSDefaultParameterValues = @{ '*-ArenaPod:Config' = $cfg; '*-ArenaPod:ApiKey' = $key }\n" + script, _vars);

    public static IEnumerable<object[]> Backends() => new[] { new object[] { "rest" }, new object[] { "graphql" } };

    private IRunPodApi Api(string backend = "rest") =>
        RunPodApiFactory.Create(backend, new RunPodClientOptions(new Uri(_sandbox.Url + "/"), Sandbox.ApiKey, "ArenaInfra/0.0.0-test (tests; PowerShell none)")
        {
            RequestTimeout = TimeSpan.FromSeconds(5),
            RetryBudget = TimeSpan.FromSeconds(10),
            RetryBaseDelay = TimeSpan.FromMilliseconds(50),
            Log = _log,
        }, new PodMapper(new FleetNaming("camp"), new ProxyPortPlan(16000, new[] { "alpha", "bravo" })));

    private static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();

    private static ArenaException Fails(Func<Task> call) => Assert.ThrowsAsync<ArenaException>(call).GetAwaiter().GetResult();

    private string Seed(string name, string status = "RUNNING", string? runtime = null, double cost = 0.17)
    {
        var id = _sandbox.SeedPod($@"{{""name"":""{name}"",""desiredStatus"":""{status}"",""gpuTypeId"":""NVIDIA RTX A4000"",""gpuCount"":1,""costPerHr"":{cost.ToString(System.Globalization.CultureInfo.InvariantCulture)},""machine"":{{""gpuDisplayName"":""RTX A4000""}}{(runtime == null ? "" : @",""runtime"":" + runtime)}}}");
        // Newest first is by creation time: seeds a moment apart keep their order.
        Thread.Sleep(5);
        return id;
    }

    private List<JsonElement> Creates() =>
        _sandbox.Requests().Where(r => r.OperationName == "CreatePod").Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();

    private static List<string> Names(HostResult result) => result.Output.OfType<ArenaPod>().Select(p => p.Name).ToList();

    // ---- the pod list pages ----

    [Fact]
    public void The_pod_list_is_read_page_by_page_to_its_last_page()
    {
        _sandbox.Account(new { pageSize = 2 });
        foreach (var name in new[] { "camp-alpha", "camp-bravo", "camp-charlie", "camp-delta", "camp-echo" }) Seed(name);

        var pods = Wait(Api().ListPodsAsync(CancellationToken.None));

        Assert.Equal(new[] { "camp-alpha", "camp-bravo", "camp-charlie", "camp-delta", "camp-echo" }, pods.Select(p => p.Name).OrderBy(n => n));
        Assert.Equal(5, pods.Select(p => p.Id).Distinct().Count());
        var lists = _sandbox.Requests().Where(r => r.OperationName == "ListPods").ToList();
        Assert.Equal(3, lists.Count);
        Assert.Equal("?limit=1000", lists[0].QueryString);
        Assert.All(lists.Skip(1), r => Assert.Contains("&cursor=", r.QueryString));
        Assert.All(lists, r => Assert.Equal(200, r.Status));
    }

    [Fact]
    public void New_ArenaPod_Count_never_creates_again_a_pod_listed_on_a_later_page()
    {
        _sandbox.Account(new { pageSize = 2 });
        foreach (var name in new[] { "camp-alpha", "camp-bravo", "camp-charlie", "camp-delta" }) Seed(name);

        var result = Run("New-ArenaPod -Count 5 -Force");

        Assert.Empty(result.Errors);
        Assert.Equal(new[] { "camp-echo" }, Creates().Select(c => c.GetProperty("name").GetString()));
        Assert.Equal(new[] { "camp-echo" }, Names(result));
    }

    [Theory]
    [InlineData("stuckCursor", null)]
    [InlineData("endlessPages", null)]
    [InlineData("badPagination", "missing")]
    [InlineData("badPagination", "noCursor")]
    [InlineData("badPagination", "notBool")]
    public void A_pod_list_that_pages_wrongly_is_an_error_never_a_short_list(string kind, string? form)
    {
        _sandbox.Account(new { pageSize = 1 });
        Seed("camp-alpha");
        Seed("camp-bravo");
        _sandbox.AddFault(new { kind, detail = form, count = 100000 });

        var error = Fails(() => Api().ListPodsAsync(CancellationToken.None));

        Assert.Equal(ArenaErrorIds.InvalidResponse, error.ErrorId);
        Assert.Contains("ListPods", error.Message);
        Assert.True(_sandbox.Requests().Count(r => r.OperationName == "ListPods") <= RestV2Api.MaxListPages);
    }

    [Fact]
    public void A_pod_list_with_too_many_pages_stops_at_the_bound()
    {
        _sandbox.AddFault(new { kind = "endlessPages", count = 100000 });

        var error = Fails(() => Api().ListPodsAsync(CancellationToken.None));

        Assert.Equal(ArenaErrorIds.InvalidResponse, error.ErrorId);
        Assert.Contains($"{RestV2Api.MaxListPages} pages", error.Message);
        Assert.Equal(RestV2Api.MaxListPages, _sandbox.Requests().Count(r => r.OperationName == "ListPods"));
    }

    [Fact]
    public void A_pod_met_on_two_pages_is_listed_once()
    {
        var pages = new[]
        {
            @"{""pods"":[{""id"":""p1"",""name"":""camp-alpha"",""status"":""EXITED""},{""id"":""p2"",""name"":""camp-bravo"",""status"":""EXITED""}],""pagination"":{""hasNextPage"":true,""nextCursor"":""c2""}}",
            @"{""pods"":[{""id"":""p2"",""name"":""camp-bravo"",""status"":""EXITED""},{""id"":""p3"",""name"":""camp-charlie"",""status"":""EXITED""}],""pagination"":{""hasNextPage"":false,""nextCursor"":null}}",
        };
        var handler = new ScriptedHandler(pages);

        var pods = Wait(Scripted("rest", handler).ListPodsAsync(CancellationToken.None));

        Assert.Equal(new[] { "p1", "p2", "p3" }, pods.Select(p => p.Id));
        Assert.Equal(new[] { "/v2/pods?limit=1000", "/v2/pods?limit=1000&cursor=c2" }, handler.Asked);
    }

    // ---- a 2xx is not a success by itself; redirects are not followed ----

    [Theory]
    [MemberData(nameof(Backends))]
    public void A_create_answered_2xx_with_an_error_body_is_no_pod(string backend)
    {
        _sandbox.AddFault(new { kind = "errorBody200", operation = "podFindAndDeployOnDemand", detail = "There are no longer any instances available with the requested specifications. Please refresh and try again." });

        var error = Fails(() => Api(backend).CreatePodAsync(Echo(), CancellationToken.None));

        Assert.Equal(ArenaErrorIds.CapacityUnavailable, error.ErrorId);
        Assert.Equal("errorBody200", Assert.Single(_sandbox.Requests(), r => r.OperationName == "CreatePod").Fault);
        Assert.Empty(Wait(Api(backend).ListPodsAsync(CancellationToken.None)));
    }

    [Fact]
    public void New_ArenaPod_counts_a_2xx_error_answer_as_failed_never_as_created()
    {
        _sandbox.AddFault(new { kind = "errorBody200", operation = "rest:CreatePod", detail = "Something went wrong. Please try again later or contact support." });

        var result = Run("New-ArenaPod -Name echo -Force -InformationVariable info; $info.MessageData");

        Assert.Empty(result.Output.OfType<ArenaPod>());
        Assert.StartsWith("ApiError,", Assert.Single(result.Errors).FullyQualifiedErrorId);
        var summary = result.Output.OfType<ArenaPodCreationSummary>().Single();
        Assert.Empty(summary.Created);
        Assert.Equal(new[] { "camp-echo" }, summary.Failed);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void A_stop_answered_2xx_with_an_error_body_is_not_a_stop(string backend)
    {
        var id = Seed("camp-alpha");
        _sandbox.AddFault(new { kind = "errorBody200", operation = "podStop", detail = "Pod is locked" });

        var error = Fails(() => Api(backend).StopPodAsync(id, CancellationToken.None));

        Assert.Equal(ArenaErrorIds.PodOperationFailed, error.ErrorId);
        Assert.StartsWith("camp-alpha:", error.Message);
        Assert.Contains("Pod is locked", error.Message);
        Assert.Single(_sandbox.Requests(), r => r.OperationName == "StopPod");
        Assert.Equal(ArenaPodStatus.Running, Wait(Api(backend).GetPodAsync(id, CancellationToken.None))!.Status);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Stop_ArenaPod_reports_a_stop_answered_with_an_error_body_as_failed(string backend)
    {
        Seed("camp-alpha");
        _vars["configPath"] = WriteConfig($"RUNPOD_API={backend}");
        _sandbox.AddFault(new { kind = "errorBody200", operation = "podStop", detail = "Pod is locked", count = 10 });

        var result = Run("Stop-ArenaPod -Name alpha -Force -AllowDataLoss -PassThru");

        Assert.StartsWith("PodOperationFailed,", Assert.Single(result.Errors).FullyQualifiedErrorId);
        Assert.DoesNotContain(result.Output.OfType<ArenaPod>(), p => p.Status == ArenaPodStatus.Stopped);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void A_redirect_is_never_followed(string backend)
    {
        _sandbox.AddFault(new { kind = "redirect", operation = backend == "rest" ? "rest:CreatePod" : "podFindAndDeployOnDemand", detail = "/v2/pods", status = 302 });

        var error = Fails(() => Api(backend).CreatePodAsync(Echo(), CancellationToken.None));

        Assert.Equal(ArenaErrorIds.ApiError, error.ErrorId);
        Assert.Contains("HTTP 302", error.Message);
        Assert.Contains("/v2/pods", error.Message);
        // The create was not turned into a GET of the list, nor sent anywhere else.
        Assert.Single(_sandbox.Requests());
    }

    private static PodCreateSpec Echo() => new()
    {
        Name = "camp-echo", MachineName = "echo", ImageName = "img:1", GpuTypeId = "NVIDIA RTX A4000", GpuCount = 1,
        CloudType = "COMMUNITY", ContainerDiskInGb = 20, PublicKey = "ssh-ed25519 AAAA test",
    };

    // ---- numbers out of range ----

    [Fact]
    public void Get_ArenaPod_lists_a_pod_with_an_out_of_range_uptime_with_it_empty_and_a_warning()
    {
        Seed("camp-alpha");
        Seed("camp-bravo", runtime: @"{""uptimeInSeconds"":1000000000000000,""ports"":[{""ip"":""127.0.0.1"",""isIpPublic"":true,""privatePort"":22,""publicPort"":2222,""type"":""tcp""}]}");

        var result = Run("Get-ArenaPod");

        Assert.Empty(result.Errors);
        var pods = result.Output.OfType<ArenaPod>().OrderBy(p => p.Name).ToList();
        Assert.Equal(new[] { "camp-alpha", "camp-bravo" }, pods.Select(p => p.Name));
        Assert.Null(pods[1].Uptime);
        Assert.Equal(2222, pods[1].SshPort);
        Assert.Contains(result.Warnings, w => w.StartsWith("camp-bravo:") && w.Contains("uptime"));
        Assert.DoesNotContain(result.Warnings, w => w.Contains("camp-alpha"));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void A_pod_with_an_out_of_range_cost_is_listed_with_it_empty_and_a_warning(string backend)
    {
        Seed("camp-alpha");
        Seed("camp-bravo", cost: 1e300);

        var pods = Wait(Api(backend).ListPodsAsync(CancellationToken.None)).OrderBy(p => p.Name).ToList();

        Assert.Equal(new[] { "camp-alpha", "camp-bravo" }, pods.Select(p => p.Name));
        Assert.Equal(0.17m, pods[0].CostPerHour);
        Assert.Null(pods[1].CostPerHour);
        Assert.Contains(_log.Lines, l => l.StartsWith("WARNING: camp-bravo:") && l.Contains("cost"));
    }

    // ---- the catalog ----

    [Fact]
    public void A_cloud_the_catalog_does_not_offer_is_left_out_and_never_priced_at_zero()
    {
        var shown = new PromptingHost();
        using var interactive = new PowerShellHost(shown);
        var whatIf = interactive.Run("$cfg = Import-ArenaConfig $configPath -NoDefault\n"
            + "New-ArenaPod -Name alpha -GpuType 'NVIDIA GeForce RTX 3090' -CloudType SECURE -WhatIf -Config $cfg -ApiKey $key", _vars);

        Assert.DoesNotContain("0.00 USD", shown.Written);
        Assert.DoesNotContain("0.000 USD", shown.Written);
        var error = Assert.Single(whatIf.Errors);
        Assert.StartsWith("CapacityUnavailable,", error.FullyQualifiedErrorId);
        Assert.Contains("NVIDIA GeForce RTX 3090 on SECURE", error.ToString());
        Assert.Contains("not offered on SECURE", error.ToString());
        Assert.Empty(Creates());
    }

    [Fact]
    public void A_cloud_the_catalog_does_not_offer_is_left_out_and_the_other_is_priced()
    {
        var shown = new PromptingHost();
        using var interactive = new PowerShellHost(shown);
        interactive.Run("$cfg = Import-ArenaConfig $configPath -NoDefault\n"
            + "New-ArenaPod -Name alpha -GpuType 'NVIDIA GeForce RTX 3090' -CloudType SECURE, COMMUNITY -WhatIf -Config $cfg -ApiKey $key", _vars);
        var created = Run("New-ArenaPod -Name alpha -GpuType 'NVIDIA GeForce RTX 3090' -CloudType SECURE, COMMUNITY -Force");

        Assert.Contains("NVIDIA GeForce RTX 3090 on COMMUNITY 0.220 USD/h", shown.Written);
        Assert.Contains("NVIDIA GeForce RTX 3090 on SECURE (RunPod's catalog: not offered on SECURE", shown.Written);
        Assert.Empty(created.Errors);
        Assert.Equal(new[] { "COMMUNITY" }, Creates().Select(c => c.GetProperty("cloud").GetString()));
    }

    // ---- the account's SSH keys ----

    [Fact]
    public void New_pods_trust_the_accounts_registered_keys_too_each_once()
    {
        // The account has the shared key registered too (another comment): it is not added twice.
        var sharedAgain = string.Join(" ", _publicKey.Split(' ').Take(2)) + " registered-in-console";
        _sandbox.Account(new { keys = new[] { AccountKey, sharedAgain, AccountKey } });

        var result = Run("New-ArenaPod -Count 2 -Force");

        Assert.Empty(result.Errors);
        var creates = Creates();
        Assert.Equal(2, creates.Count);
        Assert.All(creates, c => Assert.Equal(_publicKey + "\n" + AccountKey, c.GetProperty("env").GetProperty("PUBLIC_KEY").GetString()));
        // Read once for the batch.
        Assert.Single(_sandbox.Requests(), r => r.OperationName == "AccountSshKeys");
    }

    [Fact]
    public void A_failed_read_of_the_accounts_keys_buys_nothing()
    {
        _sandbox.Account(new { keys = new[] { AccountKey } });
        _sandbox.AddFault(new { kind = "status", status = 500, operation = "rest:AccountSshKeys", count = 100 });

        var result = Run("New-ArenaPod -Count 2 -Force");

        Assert.StartsWith("AccountKeysUnreadable,", Assert.Single(result.Errors).FullyQualifiedErrorId);
        Assert.Contains("ACCOUNT_SSH_KEYS=0", result.Errors[0].ToString() + result.Errors[0].ErrorDetails?.RecommendedAction);
        Assert.Empty(Creates());
    }

    [Fact]
    public void ACCOUNT_SSH_KEYS_0_creates_with_the_shared_key_only_and_never_asks()
    {
        _sandbox.Account(new { keys = new[] { AccountKey } });
        _vars["configPath"] = WriteConfig("ACCOUNT_SSH_KEYS=0");

        var result = Run("New-ArenaPod -Name alpha -Force");

        Assert.Empty(result.Errors);
        Assert.Equal(_publicKey, Assert.Single(Creates()).GetProperty("env").GetProperty("PUBLIC_KEY").GetString());
        Assert.DoesNotContain(_sandbox.Requests(), r => r.OperationName == "AccountSshKeys");
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Both_backends_read_the_accounts_registered_keys(string backend)
    {
        _sandbox.Account(new { keys = new[] { AccountKey, _publicKey } });

        var keys = Wait(Api(backend).GetAccountSshKeysAsync(CancellationToken.None));

        Assert.Equal(new[] { AccountKey, _publicKey }, keys);
    }

    [Fact]
    public void An_account_key_that_is_not_one_public_key_line_never_reaches_a_pod()
    {
        var merged = AccountSshKeys.Merge(_publicKey, new[] { "ssh-ed25519 AAAA\u001b[2J x", "command=\"rm -rf /\" ssh-ed25519 AAAAC3Nz x", "ssh-ed25519 not*base64 x", AccountKey }, _log);

        Assert.Equal(_publicKey + "\n" + AccountKey, merged);
        Assert.Equal(3, _log.Lines.Count(l => l.StartsWith("WARNING: The RunPod account lists an SSH key that is not one public key line")));
        Assert.DoesNotContain(_log.Lines, l => l.Contains('\u001b'));
    }

    [Fact]
    public void Repair_ArenaPod_touches_no_pod_when_the_accounts_keys_cannot_be_read()
    {
        Seed("camp-alpha");
        _sandbox.AddFault(new { kind = "status", status = 500, operation = "rest:AccountSshKeys", count = 100 });

        var result = Run("Repair-ArenaPod -Name alpha -Force");

        Assert.StartsWith("AccountKeysUnreadable,", Assert.Single(result.Errors).FullyQualifiedErrorId);
        Assert.DoesNotContain(_sandbox.Requests(), r => r.OperationName is "TerminatePod" or "CreatePod" or "StopPod");
    }

    [Fact]
    public void A_GraphQL_create_answered_without_the_pod_asked_for_is_not_a_create()
    {
        var handler = new ScriptedHandler(@"{""data"":{""podFindAndDeployOnDemand"":{""id"":"""",""name"":null,""desiredStatus"":""RUNNING""}}}");

        var error = Fails(() => Scripted("graphql", handler).CreatePodAsync(Echo(), CancellationToken.None));

        // In doubt, not created: PodCreator then looks for the name before anything is sent again.
        Assert.Equal(ArenaErrorIds.InvalidResponse, error.ErrorId);
        Assert.Contains("camp-echo", error.Message);
    }

    [Theory]
    [InlineData("graphql", @"{""data"":{""podStop"":{""id"":""p1"",""desiredStatus"":""RUNNING""}}}", @"{""data"":{""pod"":{""id"":""p1"",""name"":""camp-alpha"",""desiredStatus"":""RUNNING"",""runtime"":null}}}")]
    [InlineData("rest", @"{""id"":""p1"",""name"":""camp-alpha"",""desiredStatus"":""RUNNING""}", @"{""id"":""p1"",""name"":""camp-alpha"",""desiredStatus"":""RUNNING""}")]
    public void A_stop_that_leaves_the_pod_running_is_not_a_stop(string backend, string answer, string reread)
    {
        var handler = new ScriptedHandler(answer, reread);

        var error = Fails(() => Scripted(backend, handler).StopPodAsync("p1", CancellationToken.None));

        Assert.Equal(ArenaErrorIds.PodOperationFailed, error.ErrorId);
        Assert.StartsWith("camp-alpha:", error.Message);
        Assert.Equal(2, handler.Asked.Count);
    }

    private static IRunPodApi Scripted(string backend, HttpMessageHandler handler) =>
        RunPodApiFactory.Create(backend, new RunPodClientOptions(new Uri("http://127.0.0.1:9/"), "k", "ArenaInfra/0.0.0-test") { Handler = handler, RetryBudget = TimeSpan.Zero },
            new PodMapper(new FleetNaming("camp"), new ProxyPortPlan(16000, Array.Empty<string>())));

    /// <summary>Answers each request with the next body, 200 as JSON, and records what was asked.</summary>
    private sealed class ScriptedHandler : HttpMessageHandler
    {
        private readonly Queue<string> _bodies;
        public ScriptedHandler(params string[] bodies) => _bodies = new Queue<string>(bodies);
        public List<string> Asked { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Asked.Add(request.RequestUri!.PathAndQuery);
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK)
            {
                Content = new StringContent(_bodies.Dequeue(), System.Text.Encoding.UTF8, "application/json"),
            });
        }
    }
}
