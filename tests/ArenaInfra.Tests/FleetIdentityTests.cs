using System.Net;
using System.Net.Http.Headers;
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
/// A pod's name is one pod, and a locked pod is left alone: a locked pod refused before any request,
/// RunPod's own "Pod is locked" read as PodLocked and never sent again, and the sandbox's lock as
/// RunPod's.
/// </summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
public sealed class FleetIdentityTests : IClassFixture<Sandbox>, IDisposable
{
    private readonly Sandbox _sandbox;
    private readonly CampFleet _fleet;
    private readonly PowerShellHost _host = new();

    public FleetIdentityTests(Sandbox sandbox)
    {
        _sandbox = sandbox;
        _sandbox.Reset();
        _fleet = new CampFleet(sandbox, "alpha", "bravo", "charlie");
    }

    public void Dispose()
    {
        _host.Dispose();
        _fleet.Dispose();
    }

    private string Seed(string name, string status = "RUNNING") =>
        _sandbox.SeedPod(JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["name"] = name, ["desiredStatus"] = status, ["gpuCount"] = 1, ["gpuTypeId"] = "NVIDIA RTX A4000",
            ["volumeInGb"] = 10, ["volumeMountPath"] = "/workspace", ["costPerHr"] = 0.17,
        }));

    private HttpResponseMessage Send(HttpMethod method, string path, string? body = null)
    {
        using var http = new HttpClient();
        var request = new HttpRequestMessage(method, _sandbox.Url + path);
        if (body != null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Sandbox.ApiKey);
        return http.Send(request);
    }

    private static JsonNode Body(HttpResponseMessage response) => JsonNode.Parse(response.Content.ReadAsStringAsync().Result)!;

    /// <summary>What RunPod was asked to change: stops, starts, restarts, terminations (by action or DELETE), creates.</summary>
    private IReadOnlyList<LoggedRequest> Changes() =>
        _sandbox.Requests().Where(r => r.Method != "GET").ToList();

    // ---- one name, one pod ----

    [Fact]
    public void A_fleet_config_is_never_rendered_with_two_pods_of_one_name()
    {
        var mapper = new PodMapper(new FleetNaming("camp"), new ProxyPortPlan(16000, new[] { "alpha" }));
        ArenaPod Pod(string id) => mapper.Map(Newtonsoft.Json.JsonConvert.DeserializeObject<ArenaInfra.RunPod.Wire.V2Pod>(
            $"{{\"id\":\"{id}\",\"name\":\"camp-alpha\",\"status\":\"RUNNING\",\"ssh\":{{\"direct\":{{\"host\":\"10.0.0.{id.Length}\",\"port\":2200}}}}}}")!);
        var config = ConfigLoader.LoadFile((string)_fleet.Variables["configPath"]!, ArenaConfigOrigin.File, new List<string>());
        var error = Assert.Throws<ArenaException>(() => ArenaInfra.Proxy.NginxConfigRenderer.ForFleet(config, new[] { Pod("real1"), Pod("evil22") }, "/var/log/nginx", null, _ => { }, _ => { }));
        Assert.Equal("DuplicatePodName", error.ErrorId);
    }

    // ---- the lock ----

    [Fact]
    public void The_sandbox_locks_a_pod_as_RunPod_does()
    {
        var id = Seed("camp-alpha");
        var before = Body(Send(HttpMethod.Get, $"/v2/pods/{id}"));
        Assert.False(before["locked"]!.GetValue<bool>());

        var locking = Send(HttpMethod.Patch, $"/v2/pods/{id}", "{\"locked\": true}");
        Assert.Equal(HttpStatusCode.OK, locking.StatusCode);
        var locked = Body(locking);
        Assert.Equal(id, locked["id"]!.GetValue<string>());
        Assert.True(locked["locked"]!.GetValue<bool>());
        Assert.Equal("RUNNING", locked["status"]!.GetValue<string>());
        // The actions do not change while locked: a client must read 'locked'.
        Assert.Equal(before["actions"]!.ToJsonString(), locked["actions"]!.ToJsonString());

        foreach (var (method, path, body) in new[]
        {
            (HttpMethod.Post, $"/v2/pods/{id}/action", "{\"action\": \"stop\"}"),
            (HttpMethod.Post, $"/v2/pods/{id}/action", "{\"action\": \"restart\"}"),
            (HttpMethod.Post, $"/v2/pods/{id}/action", "{\"action\": \"terminate\"}"),
            (HttpMethod.Delete, $"/v2/pods/{id}", (string?)null),
        })
        {
            var refused = Send(method, path, body);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var problem = Body(refused);
            Assert.Equal("Bad Request", problem["title"]!.GetValue<string>());
            Assert.Equal(400, problem["status"]!.GetValue<int>());
            Assert.Equal("Pod is locked", problem["detail"]!.GetValue<string>());
        }
        Assert.Equal("RUNNING", Body(Send(HttpMethod.Get, $"/v2/pods/{id}"))["status"]!.GetValue<string>());

        // Exactly {"locked": bool}: anything else is not a lock change.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, Send(HttpMethod.Patch, $"/v2/pods/{id}", "{\"locked\": \"no\"}").StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, Send(HttpMethod.Patch, $"/v2/pods/{id}", "{\"locked\": false, \"name\": \"x\"}").StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, Send(HttpMethod.Patch, $"/v2/pods/{id}", "{}").StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, Send(HttpMethod.Patch, "/v2/pods/nosuchpod", "{\"locked\": true}").StatusCode);

        var unlocked = Send(HttpMethod.Patch, $"/v2/pods/{id}", "{\"locked\": false}");
        Assert.False(Body(unlocked)["locked"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.OK, Send(HttpMethod.Post, $"/v2/pods/{id}/action", "{\"action\": \"stop\"}").StatusCode);
    }

    [Fact]
    public void Get_ArenaPod_reads_the_lock_and_shows_it()
    {
        var alpha = Seed("camp-alpha");
        Seed("camp-bravo");
        _sandbox.Lock(alpha);

        var result = _fleet.Run(_host, "Get-ArenaPod");
        var pods = result.Output.OfType<ArenaPod>().ToDictionary(p => p.Name);
        Assert.True(pods["camp-alpha"].Locked);
        Assert.False(pods["camp-bravo"].Locked);

        _fleet.Variables["format"] = Path.Combine(RepoPaths.Root, "ArenaInfra.Module", "ArenaInfra.Format.ps1xml");
        var table = _fleet.Run(_host, "Update-FormatData -PrependPath $format; $PSStyle.OutputRendering = 'PlainText'; Get-ArenaPod | Out-String -Width 120").Output.OfType<string>().Single();
        var lines = table.Split('\n').Select(l => l.TrimEnd()).ToList();
        Assert.Contains(lines, l => l.StartsWith("camp-alpha", StringComparison.Ordinal) && l.Contains("locked", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(lines, l => l.StartsWith("camp-bravo", StringComparison.Ordinal) && l.Contains("locked", StringComparison.OrdinalIgnoreCase));
        Assert.All(lines, l => Assert.True(l.Length <= 120, $"wider than 120 columns: '{l}'"));
    }

    [Fact]
    public void GraphQL_says_nothing_of_a_lock_so_Locked_is_unknown()
    {
        var mapper = new PodMapper(new FleetNaming("camp"), new ProxyPortPlan(16000, new[] { "alpha" }));
        var pod = mapper.Map(Newtonsoft.Json.JsonConvert.DeserializeObject<ArenaInfra.RunPod.Wire.PodWire>("{\"id\":\"p1\",\"name\":\"camp-alpha\",\"desiredStatus\":\"RUNNING\"}")!);
        Assert.Null(pod.Locked);
    }

    /// <summary>Each command that stops or terminates, run on a locked pod (and an unlocked one beside it).</summary>
    public static IEnumerable<object[]> RefusingCommands() => new[]
    {
        new object[] { "Stop-ArenaPod alpha -Force -AllowDataLoss", "stopped" },
        new object[] { "Remove-ArenaPod alpha -Force", "removed" },
        new object[] { "Repair-ArenaPod alpha -Force -ReadyTimeoutSec 1 -SkipSetup Git -TestCommand true", "replaced" },
        new object[] { "Stop-ArenaPod -Name * -Force -AllowDataLoss", "stopped" },
    };

    [Theory]
    [MemberData(nameof(RefusingCommands))]
    public void A_locked_pod_is_refused_before_any_request(string command, string doing)
    {
        var alpha = Seed("camp-alpha");
        _sandbox.Lock(alpha);

        var result = _fleet.Run(_host, command);

        var error = Assert.Single(result.Errors.Concat(result.Output.OfType<System.Management.Automation.ErrorRecord>()),
            e => e.FullyQualifiedErrorId.StartsWith("PodLocked", StringComparison.Ordinal));
        Assert.StartsWith("camp-alpha:", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains($"not {doing}", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("Unlock", error.ErrorDetails.RecommendedAction, StringComparison.Ordinal);
        // Nothing but reading: no stop, no termination, no create was sent.
        Assert.Empty(Changes());
        Assert.Equal("RUNNING", Body(Send(HttpMethod.Get, $"/v2/pods/{alpha}"))["status"]!.GetValue<string>());
    }

    [Fact]
    public void The_pods_beside_a_locked_one_are_still_stopped()
    {
        var alpha = Seed("camp-alpha");
        var bravo = Seed("camp-bravo");
        _sandbox.Lock(alpha);

        var result = _fleet.Run(_host, "Stop-ArenaPod alpha, bravo -Force -AllowDataLoss");

        Assert.Equal(new[] { "PodLocked" }, result.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]));
        var stops = _sandbox.Requests().Where(r => r.OperationName == "StopPod").ToList();
        Assert.Equal(new[] { $"/v2/pods/{bravo}/action" }, stops.Select(r => r.Path));
    }

    [Fact]
    public void RunPods_Pod_is_locked_is_PodLocked_and_never_sent_again()
    {
        // Locked after the list was read (by someone in the console, say): RunPod's 400 is the answer, read once.
        var alpha = Seed("camp-alpha");
        _sandbox.Lock(alpha);
        var options = new RunPodClientOptions(new Uri(_sandbox.Url + "/"), Sandbox.ApiKey, "ArenaInfra/0.0.0-test (tests; PowerShell none)")
        {
            RequestTimeout = TimeSpan.FromSeconds(5),
            RetryBudget = TimeSpan.FromSeconds(20),
            RetryBaseDelay = TimeSpan.FromMilliseconds(50),
        };
        var api = RunPodApiFactory.Create("rest", options, new PodMapper(new FleetNaming("camp"), new ProxyPortPlan(16000, new[] { "alpha" })));

        foreach (var (call, operation) in new (Func<Task>, string)[]
        {
            (() => api.StopPodAsync(alpha, CancellationToken.None), "StopPod"),
            (() => api.TerminatePodAsync(alpha, CancellationToken.None), "TerminatePod"),
        })
        {
            var error = Assert.ThrowsAsync<ArenaException>(call).GetAwaiter().GetResult();
            Assert.Equal("PodLocked", error.ErrorId);
            Assert.Contains("Unlock", error.RecommendedAction, StringComparison.Ordinal);
            Assert.Single(_sandbox.Requests(), r => r.OperationName == operation);
        }
    }
}
