using System.Management.Automation;
using System.Security;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// What New-ArenaPod decides (which names, which GPU type and cloud, what a refusal costs the rest of
/// the batch), run as a user would in a hosted runspace, against the in-memory RunPod: nothing here is
/// about HTTP, which the sandbox tests cover. The fleet's prefix is its own, so no other test's pending
/// creates can look like its pods.
/// </summary>
[Collection(DataFolderCollection.Name)]
public sealed class CreationPlanningTests : IDisposable
{
    private readonly InMemoryRunPodApi _runPod = new("plan", "alpha", "bravo", "charlie", "delta", "echo");
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars;

    public CreationPlanningTests()
    {
        var key = Path.Combine(_dir.Path, "shared_key");
        File.Copy(RepoPaths.Fixture("keys/test_ed25519"), key);
        File.Copy(RepoPaths.Fixture("keys/test_ed25519.pub"), key + ".pub");
        var configPath = _dir.Write("config.env", string.Join("\n",
            $"RUNPOD_API_BASE_URL={_runPod.Url}",
            $"SHARED_SSH_KEY_PATH={key}",
            "MACHINE_NAME_PREFIX=plan",
            "MACHINE_NAME_LIST=(alpha bravo charlie delta echo)",
            "RUNPOD_DISK_SPACE_IN_GB=80",
            "RUNPOD_VOLUME_SPACE_IN_GB=10",
            "RUNPOD_CLOUD_TYPE=SECURE",
            "RUNPOD_API_MAX_RPS=0",
            ""));
        var secure = new SecureString();
        foreach (var c in "in-memory-key") secure.AppendChar(c);
        _vars = new Dictionary<string, object?> { ["configPath"] = configPath, ["key"] = secure };
    }

    public void Dispose()
    {
        _host.Dispose();
        _dir.Dispose();
        _runPod.Dispose();
    }

    private HostResult Run(string script) =>
        _host.Run("$cfg = Import-ArenaConfig $configPath -NoDefault\n$PSDefaultParameterValues = @{ '*-ArenaPod:Config' = $cfg; '*-ArenaPod:ApiKey' = $key }\n" + script, _vars);

    private List<string> CreatedNames() => _runPod.Creates.Select(c => c.Name).ToList();

    private static List<string> Names(HostResult result) => result.Output.OfType<ArenaPod>().Select(p => p.Name).ToList();

    private static ArenaPodCreationSummary CreationSummary(HostResult result) =>
        Assert.IsType<ArenaPodCreationSummary>(Assert.Single(result.Output.OfType<InformationRecord>()).MessageData);

    [Fact]
    public void The_commands_reach_the_in_memory_RunPod_and_nothing_else()
    {
        _runPod.Seed("plan-alpha");

        var result = Run("Get-ArenaPod");

        Assert.Empty(result.Errors);
        Assert.Equal(new[] { "plan-alpha" }, Names(result));
        Assert.Equal("alpha", result.Output.OfType<ArenaPod>().Single().MachineName);
        Assert.Equal(1, _runPod.CallsOf("ListPods"));
    }

    [Fact]
    public void Existing_pods_are_skipped_with_a_warning_and_never_created_twice()
    {
        _runPod.Seed("plan-alpha");
        _runPod.Seed("plan-charlie", "EXITED");

        var result = Run("New-ArenaPod -Count 3 -Force -InformationVariable info; $info.MessageData");

        Assert.Equal(new[] { "plan-bravo" }, Names(result));
        Assert.Equal(new[] { "plan-bravo" }, CreatedNames());
        Assert.Contains(result.Warnings, w => w.Contains("plan-alpha exists already"));
        Assert.Contains(result.Warnings, w => w.Contains("plan-charlie exists already"));
        var summary = result.Output.OfType<ArenaPodCreationSummary>().Single();
        Assert.Equal(3, summary.Requested);
        Assert.Equal(new[] { "plan-alpha", "plan-charlie" }, summary.Skipped.OrderBy(n => n));
        Assert.Equal(new[] { "plan-bravo" }, summary.Created);
    }

    [Fact]
    public void Add_uses_the_next_unused_names()
    {
        _runPod.Seed("plan-alpha");
        _runPod.Seed("plan-charlie");

        var result = Run("New-ArenaPod -Add 2 -Force");

        Assert.Equal(new[] { "plan-bravo", "plan-delta" }, Names(result).OrderBy(n => n));
    }

    [Fact]
    public void Names_from_the_pipeline_outside_the_list_get_a_warning()
    {
        var result = Run("'plan-echo', 'zulu' | New-ArenaPod -Force");

        Assert.Equal(new[] { "plan-echo", "plan-zulu" }, Names(result).OrderBy(n => n));
        Assert.Contains(result.Warnings, w => w.Contains("'zulu' is not in MachineNames"));
    }

    [Fact]
    public void WhatIf_creates_nothing()
    {
        var result = Run("New-ArenaPod -Count 3 -WhatIf");

        Assert.Empty(result.Output);
        Assert.Empty(result.Errors);
        Assert.Empty(_runPod.Creates);
    }

    [Fact]
    public void Without_Force_a_session_that_cannot_prompt_fails_instead_of_waiting()
    {
        var result = Run("try { New-ArenaPod -Count 2 } catch { $_ }");

        Assert.Equal("ConfirmationRequired", result.CaughtErrorId);
        Assert.Contains("plan-alpha, plan-bravo", result.Caught.Exception.Message);
        Assert.Contains("USD/hour", result.Caught.Exception.Message);
        Assert.Empty(_runPod.Creates);
    }

    [Fact]
    public void Capacity_errors_fail_those_pods_while_the_others_are_created()
    {
        _runPod.NoCapacity(count: 2);

        var result = Run("New-ArenaPod -Count 5 -Force -ThrottleLimit 1");

        Assert.Equal(3, Names(result).Count);
        Assert.Equal(2, result.Errors.Count);
        Assert.All(result.Errors, e => Assert.StartsWith("CapacityUnavailable,", e.FullyQualifiedErrorId));
        Assert.All(result.Errors, e => Assert.StartsWith("plan-", (string)e.TargetObject));
    }

    [Fact]
    public void When_the_first_GPU_type_is_refused_for_every_pod_each_gets_the_second_and_the_result_says_so()
    {
        _runPod.NoCapacity(gpu: "NVIDIA RTX A4000");

        var result = Run("New-ArenaPod -Count 3 -GpuType 'NVIDIA RTX A4000', 'NVIDIA RTX A5000' -CloudType COMMUNITY -Force -InformationVariable info; $info");

        var pods = result.Output.OfType<ArenaPod>().ToList();
        Assert.Empty(result.Errors);
        Assert.Equal(3, pods.Count);
        Assert.All(pods, p => Assert.Equal("NVIDIA RTX A5000", p.GpuTypeId));
        Assert.All(pods, p => Assert.Equal("COMMUNITY", p.CloudType));
        Assert.Equal(3, _runPod.Creates.Count(c => c.GpuTypeId == "NVIDIA RTX A4000"));
        Assert.Equal(3, _runPod.Creates.Count(c => c.GpuTypeId == "NVIDIA RTX A5000"));
        var summary = CreationSummary(result);
        Assert.Equal(0.66m, summary.EstimatedCostPerHour);
        Assert.Contains("plan-alpha: NVIDIA RTX A5000 on COMMUNITY (0.220 USD/h)", summary.Placements);
    }

    [Fact]
    public void A_price_cap_and_no_stock_leave_candidates_out_and_the_plan_shows_candidates_prices_and_stock()
    {
        _runPod.NoStock("NVIDIA RTX A5000");

        var shown = new PromptingHost();
        using var interactive = new PowerShellHost(shown);
        var whatIf = interactive.Run("$cfg = Import-ArenaConfig $configPath -NoDefault\n"
            + "New-ArenaPod -Count 2 -GpuType 'NVIDIA GeForce RTX 4090', 'NVIDIA RTX A5000', 'NVIDIA RTX A4000' -MaxCostPerHour 0.5 -WhatIf -Config $cfg -ApiKey $key", _vars);
        var created = Run("New-ArenaPod -Count 2 -GpuType 'NVIDIA GeForce RTX 4090', 'NVIDIA RTX A5000', 'NVIDIA RTX A4000' -MaxCostPerHour 0.5 -Force");

        Assert.Empty(whatIf.Output.OfType<ArenaPod>());
        Assert.Equal(new[] { "NVIDIA RTX A4000", "NVIDIA RTX A4000" }, _runPod.Creates.Select(c => c.GpuTypeId));
        Assert.All(created.Output.OfType<ArenaPod>(), p => Assert.Equal("SECURE", p.CloudType));
        var plan = shown.Written;
        Assert.Contains("What if:", plan);
        Assert.Contains("candidates in order", plan);
        Assert.Contains("NVIDIA RTX A4000 on SECURE 0.250 USD/h (stock HIGH)", plan);
        Assert.Contains("NVIDIA GeForce RTX 4090 on SECURE 0.690 USD/h (stock HIGH) (0.690 USD/h is over -MaxCostPerHour 0.500)", plan);
        Assert.Contains("NVIDIA RTX A5000 on SECURE 0.290 USD/h (stock NONE) (no stock now)", plan);
        Assert.Contains(whatIf.Warnings, w => w.Contains("no NVIDIA RTX A5000 free on SECURE"));
    }

    [Fact]
    public void WaitForCapacity_keeps_trying_until_capacity_frees_up_and_without_it_the_pod_fails()
    {
        _runPod.NoCapacity(during: TimeSpan.FromSeconds(3));
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var refused = Run("New-ArenaPod -Name alpha -Force");
        var waited = Run("New-ArenaPod -Name bravo -WaitForCapacity 00:01:00 -Force -Verbose");

        Assert.StartsWith("CapacityUnavailable,", Assert.Single(refused.Errors).FullyQualifiedErrorId);
        Assert.Empty(waited.Errors);
        Assert.Equal(new[] { "plan-bravo" }, Names(waited));
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(2.5), $"took {clock.Elapsed}");
        Assert.Contains(waited.Verbose, v => v.Contains("trying again in"));
        Assert.True(_runPod.Creates.Count >= 3);
    }

    [Fact]
    public void No_funds_on_the_first_candidate_stops_the_batch_without_trying_the_others()
    {
        _runPod.NoFunds();

        var result = Run("New-ArenaPod -Count 3 -GpuType 'NVIDIA RTX A4000', 'NVIDIA RTX A5000' -Force -ThrottleLimit 1");

        Assert.Empty(Names(result));
        Assert.All(result.Errors, e => Assert.StartsWith("InsufficientBalance,", e.FullyQualifiedErrorId));
        Assert.Single(_runPod.Creates);
    }

    [Fact]
    public void No_funds_stops_the_rest_of_a_create_batch_since_no_pod_can_succeed()
    {
        _runPod.NoFunds();

        var result = Run("New-ArenaPod -Count 5 -Force -ThrottleLimit 1 -InformationVariable info; $info");

        Assert.Empty(Names(result));
        Assert.Equal(5, result.Errors.Count);
        Assert.All(result.Errors, e => Assert.StartsWith("InsufficientBalance,", e.FullyQualifiedErrorId));
        // One request found out; the others were not sent.
        Assert.Equal(1, _runPod.CallsOf("CreatePod"));
        Assert.Equal(5, CreationSummary(result).Failed.Length);
    }

    [Fact]
    public void A_create_whose_answer_is_lost_yields_exactly_one_pod()
    {
        _runPod.LoseAnswer("CreatePod", happened: true);

        var result = Run("New-ArenaPod -Name alpha -Force -Verbose");

        Assert.Empty(result.Errors);
        Assert.Equal(new[] { "plan-alpha" }, Names(result));
        Assert.Single(_runPod.Creates);
        Assert.Contains(result.Verbose, v => v.Contains("RunPod did create it"));
        Assert.Equal(new[] { "plan-alpha" }, _runPod.Names());
    }

    [Fact]
    public void Stop_ArenaPod_settles_a_lost_stop_answer_by_the_pods_state()
    {
        var id = _runPod.Seed("plan-alpha");
        _runPod.LoseAnswer("StopPod", happened: true);

        var result = Run("Stop-ArenaPod -Name alpha -Force -AllowDataLoss -PassThru -Verbose");

        Assert.Empty(result.Errors);
        Assert.Equal("EXITED", _runPod.StatusOf(id));
        Assert.Equal(1, _runPod.CallsOf("StopPod"));
        Assert.Contains(result.Verbose, v => v.Contains("the answer was lost") && v.Contains("the pod shows it happened"));
    }
}
