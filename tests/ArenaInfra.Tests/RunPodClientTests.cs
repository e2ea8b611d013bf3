using System.Diagnostics;
using ArenaInfra.Config;
using ArenaInfra.RunPod;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

[CollectionDefinition("sandbox", DisableParallelization = true)]
public sealed class SandboxCollection : ICollectionFixture<Sandbox>
{
}

/// <summary>The GraphQL client against the sandbox: every fault RunPod shows, read back from the request log.</summary>
[Collection("sandbox")]
public sealed class RunPodClientTests
{
    private readonly Sandbox _sandbox;
    private readonly RecordingLog _log = new();

    public RunPodClientTests(Sandbox sandbox)
    {
        _sandbox = sandbox;
        _sandbox.Reset();
        _sandbox.SeedPod(@"{""name"":""arena-apple"",""desiredStatus"":""RUNNING"",""gpuTypeId"":""NVIDIA RTX A4000"",""costPerHr"":0.17,""machine"":{""gpuDisplayName"":""RTX A4000""}}");
    }

    private RunPodClientOptions Options(string? key = null, double timeoutSec = 5, double budgetSec = 20) =>
        new(new Uri(_sandbox.Url + "/graphql"), key ?? Sandbox.ApiKey, "ArenaInfra/0.0.0-test (tests; PowerShell none)")
        {
            RequestTimeout = TimeSpan.FromSeconds(timeoutSec),
            RetryBudget = TimeSpan.FromSeconds(budgetSec),
            RetryBaseDelay = TimeSpan.FromMilliseconds(50),
            Log = _log,
        };

    private RunPodClient Client(RunPodClientOptions? options = null) =>
        new(options ?? Options(), new PodMapper(new FleetNaming("arena"), new ProxyPortPlan(16000, new[] { "apple" })));

    private ArenaException Fails(RunPodClientOptions? options = null)
    {
        var error = Assert.ThrowsAsync<ArenaException>(() => Client(options).ListPodsAsync(CancellationToken.None)).Result;
        AssertKeyNeverLeaked(error.Message + error.RecommendedAction);
        return error;
    }

    private void AssertKeyNeverLeaked(string? extra = null)
    {
        Assert.DoesNotContain(Sandbox.ApiKey, string.Join("\n", _log.Lines) + extra);
        foreach (var request in _sandbox.Requests())
        {
            Assert.DoesNotContain(Sandbox.ApiKey, request.Path + request.QueryString + request.Body);
        }
    }

    [Fact]
    public void Lists_pods_with_the_key_only_in_the_authorization_header()
    {
        var pods = Client().ListPodsAsync(CancellationToken.None).Result;

        Assert.Equal("arena-apple", Assert.Single(pods).Name);
        var request = Assert.Single(_sandbox.Requests());
        Assert.Equal($"Bearer {Sandbox.ApiKey}", request.Authorization);
        Assert.Equal("", request.QueryString);
        Assert.Equal("/graphql", request.Path);
        Assert.Equal("ListPods", request.OperationName);
        Assert.StartsWith("ArenaInfra/", request.UserAgent);
        AssertKeyNeverLeaked();
        Assert.Contains(_log.Lines, l => l.StartsWith("VERBOSE: RunPod ListPods: POST") && l.Contains("attempt 1"));
    }

    [Fact]
    public void Values_travel_as_variables_never_in_the_query_text()
    {
        var pod = Client().GetPodAsync("pod\"with'quotes", CancellationToken.None).Result;

        Assert.Null(pod);
        var body = System.Text.Json.JsonDocument.Parse(Assert.Single(_sandbox.Requests()).Body).RootElement;
        Assert.DoesNotContain("with'quotes", body.GetProperty("query").GetString());
        Assert.Equal("pod\"with'quotes", body.GetProperty("variables").GetProperty("input").GetProperty("podId").GetString());
    }

    [Fact]
    public void Http_429_with_Retry_After_is_retried_after_the_time_it_asks()
    {
        _sandbox.AddFault(new { kind = "status", status = 429, retryAfter = "1", count = 2 });

        var pods = Client().ListPodsAsync(CancellationToken.None).Result;

        Assert.Single(pods);
        var requests = _sandbox.Requests();
        Assert.Equal(new[] { 429, 429, 200 }, requests.Select(r => r.Status));
        Assert.True(requests[1].Time - requests[0].Time >= TimeSpan.FromMilliseconds(950), $"waited only {requests[1].Time - requests[0].Time}");
        Assert.True(requests[2].Time - requests[1].Time >= TimeSpan.FromMilliseconds(950));
        Assert.Contains(_log.Lines, l => l.Contains("HTTP 429; retrying in 1.0 s as Retry-After asks"));
    }

    [Fact]
    public void Http_429_without_Retry_After_backs_off_and_succeeds()
    {
        _sandbox.AddFault(new { kind = "status", status = 429, count = 2 });

        Assert.Single(Client().ListPodsAsync(CancellationToken.None).Result);
        Assert.Equal(3, _sandbox.Requests().Count);
        Assert.Equal(2, _log.Lines.Count(l => l.Contains("HTTP 429; retrying in")));
    }

    [Fact]
    public void Endless_429_ends_as_RateLimited_within_the_budget()
    {
        _sandbox.AddFault(new { kind = "status", status = 429, count = 100 });
        var clock = Stopwatch.StartNew();

        var error = Fails(Options(budgetSec: 2));

        Assert.Equal("RateLimited", error.ErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.LimitsExceeded, error.Category);
        Assert.True(_sandbox.Requests().Count > 1);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void A_Retry_After_beyond_the_budget_gives_up_at_once()
    {
        _sandbox.AddFault(new { kind = "status", status = 429, retryAfter = "600", count = 1 });

        var error = Fails(Options(budgetSec: 5));

        Assert.Equal("RateLimited", error.ErrorId);
        Assert.Single(_sandbox.Requests());
    }

    [Theory]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public void Gateway_errors_are_retried(int status)
    {
        _sandbox.AddFault(new { kind = "status", status, count = 2 });

        Assert.Single(Client().ListPodsAsync(CancellationToken.None).Result);
        Assert.Equal(new[] { status, status, 200 }, _sandbox.Requests().Select(r => r.Status));
    }

    [Fact]
    public void Http_500_is_not_retried_and_is_an_ApiError()
    {
        _sandbox.AddFault(new { kind = "status", status = 500, count = 3 });

        var error = Fails();

        Assert.Equal("ApiError", error.ErrorId);
        Assert.Contains("HTTP 500", error.Message);
        Assert.Single(_sandbox.Requests());
    }

    [Fact]
    public void A_response_slower_than_the_timeout_is_retried()
    {
        _sandbox.AddFault(new { kind = "slow", delayMs = 3000, count = 1 });

        Assert.Single(Client(Options(timeoutSec: 1)).ListPodsAsync(CancellationToken.None).Result);
        Assert.Contains(_log.Lines, l => l.Contains("(attempt 2)"));
        Assert.Contains(_log.Lines, l => l.Contains("no answer within 1 s; retrying"));
    }

    [Fact]
    public void Responses_that_stay_slow_end_as_ApiUnreachable()
    {
        _sandbox.AddFault(new { kind = "slow", delayMs = 4000, count = 10 });

        var error = Fails(Options(timeoutSec: 0.5, budgetSec: 2));

        Assert.Equal("ApiUnreachable", error.ErrorId);
        Assert.Contains("no answer within 0.5 s", error.Message);
    }

    [Fact]
    public void An_html_403_with_error_code_1010_is_NetworkBlocked_not_a_key_problem()
    {
        _sandbox.AddFault(new { kind = "blocked1010" });

        var error = Fails();

        Assert.Equal("NetworkBlocked", error.ErrorId);
        Assert.Contains("not a problem with the API key", error.Message);
        Assert.Single(_sandbox.Requests());
    }

    [Fact]
    public void Malformed_json_is_InvalidResponse_with_the_status_and_the_start_of_the_body()
    {
        _sandbox.AddFault(new { kind = "malformedJson" });

        var error = Fails();

        Assert.Equal("InvalidResponse", error.ErrorId);
        Assert.Contains("HTTP 200", error.Message);
        Assert.Contains("{\"data\": {\"myself\"", error.Message);
    }

    [Fact]
    public void A_wrong_key_is_AuthenticationFailed()
    {
        var error = Fails(Options(key: "wrong-key"));
        Assert.Equal("AuthenticationFailed", error.ErrorId);
        Assert.Contains("HTTP 401", error.Message);
        Assert.Contains("Settings > API Keys", error.RecommendedAction);
    }

    [Theory]
    [InlineData("unauthorized200")]
    [InlineData("myselfNull")]
    public void Unauthorized_with_http_200_and_a_null_account_are_AuthenticationFailed(string kind)
    {
        _sandbox.AddFault(new { kind });
        Assert.Equal("AuthenticationFailed", Fails().ErrorId);
    }

    [Theory]
    [InlineData("capacity", "CapacityUnavailable")]
    [InlineData("balance", "InsufficientBalance")]
    public void Create_errors_map_to_their_ids(string kind, string errorId)
    {
        _sandbox.AddFault(new { kind });
        var transport = new GraphQlTransport(Options());

        var error = Assert.ThrowsAsync<ArenaException>(() => transport.SendAsync("CreatePod", CreateMutation, CreateVariables, RequestKind.Write, CancellationToken.None)).Result;

        Assert.Equal(errorId, error.ErrorId);
        Assert.Single(_sandbox.Requests());
    }

    [Fact]
    public void A_create_that_commits_then_answers_502_is_not_retried()
    {
        _sandbox.AddFault(new { kind = "commitThen502" });
        var transport = new GraphQlTransport(Options());

        var error = Assert.ThrowsAsync<ArenaException>(() => transport.SendAsync("CreatePod", CreateMutation, CreateVariables, RequestKind.Write, CancellationToken.None)).Result;

        Assert.Equal("ApiError", error.ErrorId);
        Assert.Contains("HTTP 502", error.Message);
        Assert.Single(_sandbox.Requests());
        // The pod exists all the same: that is why creates are never retried blindly.
        Assert.Contains(Client().ListPodsAsync(CancellationToken.None).Result, p => p.Name == "arena-bloom");
    }

    [Fact]
    public void A_field_RunPod_does_not_have_fails_as_it_would_there()
    {
        var transport = new GraphQlTransport(Options());

        var error = Assert.ThrowsAsync<ArenaException>(() => transport.SendAsync("Bogus", "query Bogus { myself { pods { id notAField } } }", null, RequestKind.Read, CancellationToken.None)).Result;

        Assert.Equal("ApiError", error.ErrorId);
        Assert.Contains("GRAPHQL_VALIDATION_FAILED", error.Message);
        Assert.Contains("notAField", error.Message);
        Assert.Equal(400, Assert.Single(_sandbox.Requests()).Status);
    }

    [Fact]
    public void Cancellation_stops_a_request_promptly()
    {
        _sandbox.AddFault(new { kind = "slow", delayMs = 10000 });
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();

        var task = Client(Options(timeoutSec: 30)).ListPodsAsync(cancel.Token);

        Assert.ThrowsAnyAsync<OperationCanceledException>(() => task).Wait();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
    }

    private const string CreateMutation = "mutation CreatePod($input: PodFindAndDeployOnDemandInput!) { podFindAndDeployOnDemand(input: $input) { id name } }";

    private static readonly object CreateVariables = new
    {
        input = new { name = "arena-bloom", gpuTypeId = "NVIDIA RTX A4000", cloudType = "COMMUNITY", gpuCount = 1 },
    };
}
