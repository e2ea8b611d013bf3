using System.Management.Automation;
using System.Net;
using System.Security;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ArenaInfra.Config;
using ArenaInfra.Pods;
using ArenaInfra.Proxy;
using ArenaInfra.RunPod;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// Lock-ArenaPod and Unlock-ArenaPod against the sandbox, the lock's answer checked (never taken on
/// trust), and the commands that stop, terminate or replace refusing a pod locked by Lock-ArenaPod.
/// </summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
public sealed class PodLockCommandTests : IClassFixture<Sandbox>, IDisposable
{
    private readonly Sandbox _sandbox;
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars;

    public PodLockCommandTests(Sandbox sandbox)
    {
        _sandbox = sandbox;
        _sandbox.Reset();
        var key = Path.Combine(_dir.Path, "shared_key");
        File.Copy(RepoPaths.Fixture("keys/test_ed25519"), key);
        File.Copy(RepoPaths.Fixture("keys/test_ed25519.pub"), key + ".pub");
        var configPath = _dir.Write("config.env", string.Join("\n",
            $"RUNPOD_API_BASE_URL={_sandbox.Url}",
            $"SHARED_SSH_KEY_PATH={key}",
            "MACHINE_NAME_PREFIX=camp",
            "MACHINE_NAME_LIST=(alpha bravo charlie)",
            "RUNPOD_VOLUME_SPACE_IN_GB=10",
            "RUNPOD_CLOUD_TYPE=SECURE",
            "RUNPOD_API_MAX_RPS=0",
            ""));
        var secure = new SecureString();
        foreach (var c in Sandbox.ApiKey) secure.AppendChar(c);
        _vars = new Dictionary<string, object?> { ["configPath"] = configPath, ["key"] = secure };
    }

    public void Dispose()
    {
        _host.Dispose();
        _dir.Dispose();
    }

    private HostResult Run(string script) =>
        _host.Run("$cfg = Import-ArenaConfig $configPath -NoDefault\n$PSDefaultParameterValues = @{ '*-ArenaPod:Config' = $cfg; '*-ArenaPod:ApiKey' = $key }\n" + script, _vars);

    private string Seed(string name, string status = "RUNNING") =>
        _sandbox.SeedPod(JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["name"] = name, ["desiredStatus"] = status, ["gpuCount"] = 1, ["gpuTypeId"] = "NVIDIA RTX A4000",
            ["volumeInGb"] = 10, ["volumeMountPath"] = "/workspace", ["costPerHr"] = 0.17,
        }));

    /// <summary>The pod as the sandbox holds it now, read past the module.</summary>
    private JsonNode SandboxPod(string id)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{_sandbox.Url}/v2/pods/{id}");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Sandbox.ApiKey);
        var body = JsonNode.Parse(http.Send(request).Content.ReadAsStringAsync().Result)!;
        // Reading it past the module is not one of the module's requests.
        return body;
    }

    private IReadOnlyList<LoggedRequest> Locks() => _sandbox.Requests().Where(r => r.OperationName == "LockPod").ToList();

    private static ArenaPod Single(HostResult result) => Assert.Single(result.Output.OfType<ArenaPod>());

    // ---- lock and unlock ----

    [Fact]
    public void Lock_then_unlock_changes_the_pod_in_RunPod_and_writes_it_as_RunPod_answered()
    {
        var alpha = Seed("camp-alpha");
        var bravo = Seed("camp-bravo");

        var locked = Run("Lock-ArenaPod alpha -Force");

        Assert.Empty(locked.Errors);
        var pod = Single(locked);
        Assert.Equal(("camp-alpha", alpha, true), (pod.Name, pod.Id, pod.Locked));
        Assert.True(SandboxPod(alpha)["locked"]!.GetValue<bool>());
        Assert.False(SandboxPod(bravo)["locked"]!.GetValue<bool>());
        var request = Assert.Single(Locks());
        Assert.Equal(("PATCH", $"/v2/pods/{alpha}", "{\"locked\":true}"), (request.Method, request.Path, request.Body));
        Assert.Equal($"Bearer {Sandbox.ApiKey}", request.Authorization);

        var unlocked = Run("Get-ArenaPod alpha | Unlock-ArenaPod -Force");

        Assert.Empty(unlocked.Errors);
        Assert.False(Single(unlocked).Locked);
        Assert.False(SandboxPod(alpha)["locked"]!.GetValue<bool>());
        Assert.Equal("{\"locked\":false}", Locks().Last().Body);
        Assert.Equal(2, Locks().Count);
    }

    [Fact]
    public void A_pod_already_in_the_asked_state_is_written_as_it_is_and_nothing_is_sent()
    {
        var alpha = Seed("camp-alpha");
        Seed("camp-bravo");
        _sandbox.Lock(alpha);

        var result = Run("Lock-ArenaPod alpha, bravo -Force -Verbose");

        Assert.Empty(result.Errors);
        Assert.Equal(new[] { ("camp-alpha", (bool?)true), ("camp-bravo", (bool?)true) },
            result.Output.OfType<ArenaPod>().Select(p => (p.Name, p.Locked)).OrderBy(p => p.Name));
        Assert.Contains(result.Verbose, v => v.Contains("camp-alpha is already locked: nothing sent"));
        Assert.DoesNotContain(Locks(), r => r.Path.EndsWith(alpha, StringComparison.Ordinal));
        Assert.Single(Locks());

        var unlocked = Run("Unlock-ArenaPod charlie, bravo, alpha -Force");
        Assert.Single(unlocked.Errors, e => e.FullyQualifiedErrorId.StartsWith("PodNotFound", StringComparison.Ordinal));
        Assert.All(unlocked.Output.OfType<ArenaPod>(), p => Assert.False(p.Locked));
    }

    [Fact]
    public void A_lost_answer_is_settled_by_one_read_and_never_sent_again()
    {
        var alpha = Seed("camp-alpha");
        // RunPod answers 502 and nothing happened: the read shows it unlocked, so it is an error, sent once.
        _sandbox.AddFault(new { kind = "status", status = 502, operation = "rest:LockPod" });

        var result = Run("Lock-ArenaPod alpha -Force -InformationVariable info; $info");

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("PodOperationFailed,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.StartsWith("camp-alpha: asked to be locked", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("fresh read shows the pod unlocked", error.Exception.Message, StringComparison.Ordinal);
        Assert.Empty(result.Output.OfType<ArenaPod>());
        Assert.Single(Locks());
        Assert.Contains(_sandbox.Requests(), r => r.OperationName == "GetPod" && r.Path == $"/v2/pods/{alpha}");
        Assert.False(SandboxPod(alpha)["locked"]!.GetValue<bool>());
        Assert.Contains(result.Output, o => o?.ToString()?.Contains("Lock-ArenaPod: 0 of 1", StringComparison.Ordinal) == true);
    }

    [Fact]
    public void GraphQL_has_no_lock_so_the_command_fails_with_NotSupported_and_sends_none()
    {
        File.AppendAllText((string)_vars["configPath"]!, "RUNPOD_API=graphql\n");
        Seed("camp-alpha");

        var result = Run("Lock-ArenaPod alpha -Force");

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("NotSupported,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.StartsWith("camp-alpha: ", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("REST", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("RUNPOD_API", error.ErrorDetails.RecommendedAction, StringComparison.Ordinal);
        Assert.Empty(result.Output.OfType<ArenaPod>());
        Assert.DoesNotContain(_sandbox.Requests(), r => r.Body.Contains("lock", StringComparison.OrdinalIgnoreCase) || r.Method == "PATCH");
    }

    // ---- choosing and confirming ----

    [Fact]
    public void An_empty_pipeline_sends_nothing_and_no_pods_at_all_is_SelectionRequired()
    {
        Seed("camp-alpha");

        var empty = Run("Get-ArenaPod -Name nobody* | Lock-ArenaPod -Force");
        Assert.Empty(empty.Errors);
        Assert.Empty(empty.Output);

        var none = Run("try { Unlock-ArenaPod -Force } catch { $_ }");
        Assert.Equal("SelectionRequired", none.CaughtErrorId);
        Assert.Empty(Locks());
    }

    [Fact]
    public void A_session_that_cannot_prompt_gets_ConfirmationRequired_and_WhatIf_sends_nothing()
    {
        var alpha = Seed("camp-alpha");

        var refused = Run("try { Lock-ArenaPod alpha } catch { $_ }");
        Assert.Equal("ConfirmationRequired", refused.CaughtErrorId);
        Assert.Contains("camp-alpha", refused.Caught.Exception.Message, StringComparison.Ordinal);

        var whatIf = Run("Lock-ArenaPod alpha -Force -WhatIf");
        Assert.Empty(whatIf.Errors);
        Assert.Empty(whatIf.Output);

        Assert.Empty(Locks());
        Assert.False(SandboxPod(alpha)["locked"]!.GetValue<bool>());
    }

    [Fact]
    public void A_hostile_pod_name_from_the_API_is_shown_terminal_safe()
    {
        const string hostile = "camp-evil\u001b]0;owned\u0007\u001b[2J";
        Seed(hostile);
        _sandbox.AddFault(new { kind = "status", status = 400, detail = "no \u001b[31mlock\u001b[0m today", operation = "rest:LockPod" });

        var result = Run("Lock-ArenaPod -Name camp-evil* -Force -Verbose");

        var error = Assert.Single(result.Errors);
        var shown = error.ErrorDetails?.Message ?? error.Exception.Message;
        Assert.DoesNotContain('\u001b', shown);
        Assert.DoesNotContain('\u0007', shown);
        Assert.Contains("camp-evil", shown, StringComparison.Ordinal);
        Assert.All(result.Verbose, v => Assert.DoesNotContain('\u001b', v));
        Assert.Contains(result.Verbose, v => v.StartsWith("Performing: Lock 1 pod: camp-evil", StringComparison.Ordinal));
    }

    // ---- a pod locked by Lock-ArenaPod is refused before any request ----

    public static IEnumerable<object[]> RefusingCommands() => new[]
    {
        new object[] { "Stop-ArenaPod alpha -Force -AllowDataLoss", "stopped" },
        new object[] { "Remove-ArenaPod alpha -Force", "removed" },
        new object[] { "Repair-ArenaPod alpha -Force -ReadyTimeoutSec 1 -SkipSetup Git -TestCommand true", "replaced" },
    };

    [Theory]
    [MemberData(nameof(RefusingCommands))]
    public void A_pod_locked_by_Lock_ArenaPod_is_refused_naming_Unlock_ArenaPod(string command, string doing)
    {
        var alpha = Seed("camp-alpha");
        Run("Lock-ArenaPod alpha -Force");
        var before = _sandbox.Requests().Count;

        var result = Run(command);

        var error = Assert.Single(result.Errors.Concat(result.Output.OfType<ErrorRecord>()),
            e => e.FullyQualifiedErrorId.StartsWith("PodLocked", StringComparison.Ordinal));
        Assert.StartsWith("camp-alpha:", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains($"not {doing}", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("Unlock-ArenaPod", error.ErrorDetails.RecommendedAction, StringComparison.Ordinal);
        Assert.DoesNotContain(_sandbox.Requests().Skip(before), r => r.Method != "GET");
        Assert.Equal("RUNNING", SandboxPod(alpha)["status"]!.GetValue<string>());
    }

    [Fact]
    public void Start_ReplaceIfStuck_starts_a_locked_pod_but_never_replaces_it()
    {
        var alpha = Seed("camp-alpha", "EXITED");
        Run("Lock-ArenaPod alpha -Force");
        _sandbox.AddFault(new { kind = "noFreeGpus" });
        var before = _sandbox.Requests().Count;

        var result = Run("Start-ArenaPod alpha -Force -ReplaceIfStuck -RepairParameters @{ SkipSetup = 'Git'; TestCommand = 'true' }");

        var error = Assert.Single(result.Errors.Concat(result.Output.OfType<ErrorRecord>()),
            e => e.FullyQualifiedErrorId.StartsWith("PodLocked", StringComparison.Ordinal));
        Assert.Contains("not replaced", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("Unlock-ArenaPod", error.ErrorDetails.RecommendedAction, StringComparison.Ordinal);
        var sent = _sandbox.Requests().Skip(before).Select(r => r.OperationName).ToList();
        Assert.DoesNotContain("TerminatePod", sent);
        Assert.DoesNotContain("CreatePod", sent);
        Assert.DoesNotContain("StopPod", sent);
        Assert.Equal(alpha, Assert.Single(Run("Get-ArenaPod").Output.OfType<ArenaPod>()).Id);
    }

    // ---- the answer is checked: REST v2 against scripted answers ----

    private const string Pod1 = @"{""id"":""p1"",""name"":""camp-alpha"",""desiredStatus"":""RUNNING"",""locked"":true}";
    private const string Pod1Unlocked = @"{""id"":""p1"",""name"":""camp-alpha"",""desiredStatus"":""RUNNING"",""locked"":false}";
    private const string Pod2 = @"{""id"":""p2"",""name"":""camp-bravo"",""desiredStatus"":""RUNNING"",""locked"":true}";

    [Theory]
    [InlineData(Pod2, Pod1Unlocked, "another pod (p2)")]
    [InlineData(Pod1Unlocked, Pod1Unlocked, "with the pod unlocked")]
    [InlineData("", Pod1Unlocked, "without the pod")]
    public void An_answer_that_is_not_the_pod_locked_is_an_error_when_a_read_does_not_show_it(string answer, string reread, string said)
    {
        var handler = new ScriptedHandler(answer, reread);

        var error = Assert.ThrowsAsync<ArenaException>(() => Rest(handler).SetLockedAsync("p1", true, CancellationToken.None)).GetAwaiter().GetResult();

        Assert.Equal(ArenaErrorIds.PodOperationFailed, error.ErrorId);
        Assert.StartsWith("camp-alpha: asked to be locked", error.Message, StringComparison.Ordinal);
        Assert.Contains(said, error.Message, StringComparison.Ordinal);
        Assert.Equal(new[] { "PATCH /v2/pods/p1 {\"locked\":true}", "GET /v2/pods/p1 " }, handler.Asked);
    }

    [Fact]
    public void An_unclear_answer_counts_when_a_fresh_read_shows_the_lock()
    {
        var handler = new ScriptedHandler(Pod2, Pod1);

        var pod = Rest(handler).SetLockedAsync("p1", true, CancellationToken.None).GetAwaiter().GetResult();

        Assert.Equal(("p1", (bool?)true), (pod.Id, pod.Locked));
        Assert.Equal(2, handler.Asked.Count);
    }

    [Fact]
    public void The_lock_commands_check_every_backends_answer_too()
    {
        // A backend that answers with another pod (or the old state) is not believed above it either.
        using var runPod = new InMemoryRunPodApi();
        var id = runPod.Seed("camp-alpha");
        var pod = runPod.GetPodAsync(id, CancellationToken.None).GetAwaiter().GetResult()!;
        var lying = new LyingLock(runPod, pod);

        var error = Assert.ThrowsAsync<ArenaException>(() => new PodLocking(true).ApplyAsync(lying, pod, CancellationToken.None)).GetAwaiter().GetResult();

        Assert.Equal(ArenaErrorIds.PodOperationFailed, error.ErrorId);
        Assert.StartsWith("camp-alpha: asked to be locked", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void In_memory_RunPod_locks_and_refuses_a_locked_pods_stop_and_terminate_as_RunPod_does()
    {
        using var runPod = new InMemoryRunPodApi();
        var id = runPod.Seed("camp-alpha");

        var locked = runPod.SetLockedAsync(id, true, CancellationToken.None).GetAwaiter().GetResult();
        Assert.True(locked.Locked);
        Assert.True(runPod.IsLocked(id));

        foreach (var (call, operation) in new (Func<Task>, string)[]
        {
            (() => runPod.StopPodAsync(id, CancellationToken.None), "StopPod"),
            (() => runPod.TerminatePodAsync(id, CancellationToken.None), "TerminatePod"),
        })
        {
            var error = Assert.ThrowsAsync<ArenaException>(call).GetAwaiter().GetResult();
            Assert.Equal(ArenaErrorIds.PodLocked, error.ErrorId);
            Assert.Equal(1, runPod.CallsOf(operation));
        }
        Assert.Equal("RUNNING", runPod.StatusOf(id));

        Assert.False(runPod.SetLockedAsync(id, false, CancellationToken.None).GetAwaiter().GetResult().Locked);
        runPod.StopPodAsync(id, CancellationToken.None).GetAwaiter().GetResult();
        Assert.Equal("EXITED", runPod.StatusOf(id));
    }

    private static IRunPodApi Rest(HttpMessageHandler handler) =>
        RunPodApiFactory.Create("rest", new RunPodClientOptions(new Uri("http://127.0.0.1:9/"), "k", "ArenaInfra/0.0.0-test") { Handler = handler, RetryBudget = TimeSpan.Zero },
            new PodMapper(new FleetNaming("camp"), new ProxyPortPlan(16000, Array.Empty<string>())));

    /// <summary>Answers each request with the next body (200, JSON; an empty one as 204), and records method, path and body.</summary>
    private sealed class ScriptedHandler : HttpMessageHandler
    {
        private readonly Queue<string> _bodies;
        public ScriptedHandler(params string[] bodies) => _bodies = new Queue<string>(bodies);
        public List<string> Asked { get; } = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content == null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            Asked.Add($"{request.Method} {request.RequestUri!.PathAndQuery} {body}");
            var answer = _bodies.Dequeue();
            return answer.Length == 0 ? new HttpResponseMessage(HttpStatusCode.NoContent)
                : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(answer, Encoding.UTF8, "application/json") };
        }
    }

    /// <summary>A RunPod whose lock answers with the pod as it was, whatever was asked.</summary>
    private sealed class LyingLock : IRunPodApi
    {
        private readonly IRunPodApi _inner;
        private readonly ArenaPod _before;

        public LyingLock(IRunPodApi inner, ArenaPod before)
        {
            _inner = inner;
            _before = before;
        }

        public Task<ArenaPod> SetLockedAsync(string podId, bool locked, CancellationToken cancellationToken) => Task.FromResult(_before);
        public Task<IReadOnlyList<ArenaPod>> ListPodsAsync(CancellationToken cancellationToken) => _inner.ListPodsAsync(cancellationToken);
        public Task<ArenaPod?> GetPodAsync(string podId, CancellationToken cancellationToken) => _inner.GetPodAsync(podId, cancellationToken);
        public Task<ArenaPod> CreatePodAsync(PodCreateSpec spec, CancellationToken cancellationToken) => _inner.CreatePodAsync(spec, cancellationToken);
        public Task StopPodAsync(string podId, CancellationToken cancellationToken) => _inner.StopPodAsync(podId, cancellationToken);
        public Task<ArenaPod> StartPodAsync(string podId, int gpuCount, CancellationToken cancellationToken) => _inner.StartPodAsync(podId, gpuCount, cancellationToken);
        public Task TerminatePodAsync(string podId, CancellationToken cancellationToken) => _inner.TerminatePodAsync(podId, cancellationToken);
        public Task<GpuOffer?> GetGpuOfferAsync(string gpuTypeId, string cloudType, int gpuCount, CancellationToken cancellationToken) => _inner.GetGpuOfferAsync(gpuTypeId, cloudType, gpuCount, cancellationToken);
        public Task<IReadOnlyList<string>> GetAccountSshKeysAsync(CancellationToken cancellationToken) => _inner.GetAccountSshKeysAsync(cancellationToken);
        public Task ReadLogsAsync(string podId, int tail, bool follow, string? source, Action<PodLogEvent> onLine, CancellationToken cancellationToken) => _inner.ReadLogsAsync(podId, tail, follow, source, onLine, cancellationToken);
        public Task<IReadOnlyList<ArenaNetworkVolume>> ListNetworkVolumesAsync(CancellationToken cancellationToken) => _inner.ListNetworkVolumesAsync(cancellationToken);
    }
}
