using System.Management.Automation;
using System.Security;
using System.Text.Json;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>New-, Wait-, Start-, Stop- and Remove-ArenaPod in a hosted runspace against the sandbox.</summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
public sealed class LifecycleCommandTests : IClassFixture<Sandbox>, IDisposable
{
    private readonly Sandbox _sandbox;
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars;
    private readonly string _publicKey;

    public LifecycleCommandTests(Sandbox sandbox)
    {
        _sandbox = sandbox;
        _sandbox.Reset();
        var key = Path.Combine(_dir.Path, "shared_key");
        File.Copy(RepoPaths.Fixture("keys/test_ed25519"), key);
        File.Copy(RepoPaths.Fixture("keys/test_ed25519.pub"), key + ".pub");
        _publicKey = File.ReadAllText(key + ".pub").Trim();
        var configPath = _dir.Write("config.env", string.Join("\n",
            $"RUNPOD_API_BASE_URL={_sandbox.Url}",
            $"SHARED_SSH_KEY_PATH={key}",
            "MACHINE_NAME_PREFIX=camp",
            "MACHINE_NAME_LIST=(alpha bravo charlie delta echo)",
            "RUNPOD_DISK_SPACE_IN_GB=80",
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

    private List<JsonElement> Creates() =>
        _sandbox.Requests().Where(r => r.OperationName == "CreatePod").Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();

    private void Seed(string name, string status = "RUNNING", int readyInMs = 0, bool neverReady = false) =>
        _sandbox.SeedPod(JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["name"] = name, ["desiredStatus"] = status, ["gpuCount"] = 1, ["costPerHr"] = 0.25,
            ["machine"] = new { gpuDisplayName = "RTX A4000" }, ["readyInMs"] = readyInMs,
        }.Concat(neverReady ? new[] { new KeyValuePair<string, object?>("runtime", null) } : Array.Empty<KeyValuePair<string, object?>>())
         .ToDictionary(kv => kv.Key, kv => kv.Value)));

    private static List<string> Names(HostResult result) => result.Output.OfType<ArenaPod>().Select(p => p.Name).ToList();

    [Fact]
    public void Count_creates_the_first_names_with_everything_a_pod_needs()
    {
        var result = Run("New-ArenaPod -Count 2 -Force");

        Assert.Empty(result.Errors);
        Assert.Equal(new[] { "camp-alpha", "camp-bravo" }, Names(result).OrderBy(n => n));
        var creates = Creates();
        Assert.Equal(2, creates.Count);
        var input = creates.Single(c => c.GetProperty("name").GetString() == "camp-alpha");
        Assert.Equal("NVIDIA RTX A4000", input.GetProperty("gpu").GetProperty("id").GetString());
        Assert.Equal(1, input.GetProperty("gpu").GetProperty("count").GetInt32());
        Assert.Equal("SECURE", input.GetProperty("cloud").GetString());
        Assert.Equal("nickypro/arena-env:6.1", input.GetProperty("image").GetString());
        Assert.Equal(80, input.GetProperty("disk").GetInt32());
        Assert.Equal(10, input.GetProperty("mounts").GetProperty("persistent").GetProperty("size").GetInt32());
        Assert.Equal("/workspace", input.GetProperty("mounts").GetProperty("persistent").GetProperty("path").GetString());
        Assert.Equal(new[] { "8888/http", "22/tcp" }, input.GetProperty("ports").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal("alpha", input.GetProperty("env").GetProperty("MACHINE_NAME").GetString());
        Assert.Equal(_publicKey, input.GetProperty("env").GetProperty("PUBLIC_KEY").GetString());
    }

    [Fact]
    public void Parameters_override_the_config()
    {
        Run("New-ArenaPod -Name delta -GpuType 'NVIDIA A40' -GpuCount 2 -CloudType community -Image 'img:2' -DiskSizeGB 20 -VolumeSizeGB 0 -Force");

        var input = Assert.Single(Creates());
        Assert.Equal("NVIDIA A40", input.GetProperty("gpu").GetProperty("id").GetString());
        Assert.Equal(2, input.GetProperty("gpu").GetProperty("count").GetInt32());
        Assert.Equal("COMMUNITY", input.GetProperty("cloud").GetString());
        Assert.Equal("img:2", input.GetProperty("image").GetString());
        Assert.Equal(20, input.GetProperty("disk").GetInt32());
        // No volume is no mounts at all: v2's smallest volume is 10 GB.
        Assert.False(input.TryGetProperty("mounts", out _));
    }

    [Fact]
    public void A_missing_key_stops_before_any_request()
    {
        _vars["badConfig"] = _dir.Write("nokey.env", $"RUNPOD_API_BASE_URL={_sandbox.Url}\nSHARED_SSH_KEY_PATH={_dir.Path}/nothing\n");

        var result = _host.Run("try { New-ArenaPod -Count 1 -Force -Config (Import-ArenaConfig $badConfig -NoDefault) -ApiKey $key } catch { $_ }", _vars);

        Assert.Equal("SshKeyNotFound", result.CaughtErrorId);
        Assert.Empty(_sandbox.Requests());
    }

    [Fact]
    public void A_replacement_without_its_key_stops_before_any_pod_is_touched()
    {
        Seed("camp-alpha");
        _vars["badConfig"] = _dir.Write("nokey-repair.env", $"RUNPOD_API_BASE_URL={_sandbox.Url}\nSHARED_SSH_KEY_PATH={_dir.Path}/nothing\nMACHINE_NAME_PREFIX=camp\nMACHINE_NAME_LIST=(alpha)\n");

        var result = _host.Run("try { Repair-ArenaPod -Name alpha -Force -Config (Import-ArenaConfig $badConfig -NoDefault) -ApiKey $key } catch { $_ }", _vars);

        Assert.Equal("SshKeyNotFound", result.CaughtErrorId);
        Assert.DoesNotContain(_sandbox.Requests(), r => r.OperationName is "TerminatePod" or "CreatePod");
    }

    [Fact]
    public void A_create_that_commits_and_then_answers_502_yields_exactly_one_pod()
    {
        _sandbox.AddFault(new { kind = "commitThen502" });

        var result = Run("New-ArenaPod -Name alpha -Force -Verbose");

        Assert.Empty(result.Errors);
        Assert.Equal(new[] { "camp-alpha" }, Names(result));
        Assert.Single(Creates());
        Assert.Contains(result.Verbose, v => v.Contains("RunPod did create it"));
        var all = Run("Get-ArenaPod -Name alpha");
        Assert.Single(all.Output);
    }

    [Fact]
    public void A_create_that_times_out_is_checked_before_it_is_sent_again()
    {
        _vars["slowConfig"] = _dir.Write("slow.env", File.ReadAllText((string)_vars["configPath"]!) + "RUNPOD_API_TIMEOUT_SEC=1\n");
        _sandbox.AddFault(new { kind = "slow", delayMs = 2500, operation = "podFindAndDeployOnDemand" });

        var result = _host.Run("New-ArenaPod -Name bravo -Force -Config (Import-ArenaConfig $slowConfig -NoDefault) -ApiKey $key -Verbose", _vars);

        Assert.Empty(result.Errors);
        Assert.Contains(result.Verbose, v => v.Contains("looking for the pod before trying again"));
        Thread.Sleep(2000); // let the slow create finish on the server
        var pods = Run("Get-ArenaPod -Name bravo").Output;
        Assert.Single(pods);
    }

    [Fact]
    public void A_batch_of_creates_shows_its_progress_bar_at_once()
    {
        _sandbox.AddFault(new { kind = "slowCommit", delayMs = 1500, count = 2 });

        var progress = Run("New-ArenaPod -Count 2 -Force").Progress!.Where(p => p.Activity == "Creating pods").ToList();

        Assert.Equal("0 of 2 done", progress[0].StatusDescription);
        Assert.Equal(0, progress[0].PercentComplete);
        Assert.Equal(ProgressRecordType.Completed, progress[^1].RecordType);
    }

    [Fact]
    public void Ctrl_C_during_a_replacement_stops_it_within_seconds()
    {
        Seed("camp-alpha");
        _sandbox.AddFault(new { kind = "slowCommit", delayMs = 3000, count = 1 });

        var (wasRunning, stopTook, state) = PowerShellHost.StopAfter(
            $"$cfg = Import-ArenaConfig '{_vars["configPath"]}' -NoDefault; Repair-ArenaPod -Name alpha -Force -Config $cfg -ApiKey (ConvertTo-SecureString '{Sandbox.ApiKey}' -AsPlainText -Force)",
            TimeSpan.FromMilliseconds(1500));

        // The create sent before Ctrl+C still lands: wait for it, so that no later test meets it, and forget the replacement.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline && !Run("Get-ArenaPod -Name alpha -ErrorAction SilentlyContinue").Output.OfType<ArenaPod>().Any()) Thread.Sleep(200);
        foreach (var journal in new[] { "repairs.json", "pending-creates.json" }) File.Delete(Path.Combine(Environment.GetEnvironmentVariable("ARENA_INFRA_DATA")!, journal));

        Assert.True(wasRunning);
        Assert.True(stopTook < TimeSpan.FromSeconds(3), $"stopping took {stopTook}");
        Assert.Equal(PSInvocationState.Stopped, state);
    }

    [Fact]
    public void An_unknown_GPU_type_or_no_stock_anywhere_is_said_before_anything_is_created()
    {
        _sandbox.AddFault(new { kind = "noStock", count = 100 });

        var unknown = Run("try { New-ArenaPod -Count 1 -GpuType 'NVIDIA RTX A9999' -Force } catch { $_ }");
        var noStock = Run("try { New-ArenaPod -Count 1 -GpuType 'NVIDIA RTX A4000', 'NVIDIA RTX A5000' -Force } catch { $_ }");

        Assert.Equal("InvalidArgument", unknown.CaughtErrorId);
        Assert.Contains("unknown to RunPod's catalog", unknown.Caught.Exception.Message);
        Assert.Equal("CapacityUnavailable", noStock.CaughtErrorId);
        Assert.Contains("-WaitForCapacity", noStock.Caught.ErrorDetails.RecommendedAction);
        Assert.Empty(Creates());
    }

    [Fact]
    public void Ctrl_C_during_creates_slower_than_lists_leaves_the_names_alone_so_a_rerun_never_duplicates()
    {
        _sandbox.AddFault(new { kind = "slowCommit", delayMs = 2500, count = 3 });
        File.Delete(Path.Combine(Environment.GetEnvironmentVariable("ARENA_INFRA_DATA")!, "pending-creates.json"));

        var (wasRunning, _, state) = PowerShellHost.StopAfter(
            $"$cfg = Import-ArenaConfig '{_vars["configPath"]}' -NoDefault; New-ArenaPod -Count 3 -Force -ThrottleLimit 3 -Config $cfg -ApiKey (ConvertTo-SecureString '{Sandbox.ApiKey}' -AsPlainText -Force)",
            TimeSpan.FromMilliseconds(1200));
        Assert.True(wasRunning);
        Assert.Equal(PSInvocationState.Stopped, state);

        // At once, before RunPod has finished them: a re-run creates nothing and says why.
        var rerun = Run("New-ArenaPod -Count 3 -Force");
        Assert.Empty(Names(rerun));
        Assert.Equal(3, rerun.Warnings.Count(w => w.Contains("may still appear, so it is not created again now")));

        Thread.Sleep(2500);
        var names = Names(Run("Get-ArenaPod"));
        Assert.Equal(new[] { "camp-alpha", "camp-bravo", "camp-charlie" }, names.OrderBy(n => n));
        Assert.Equal(3, Creates().Count);

        // Once they exist, the journal lets them go and the fleet can grow as usual.
        var grown = Run("New-ArenaPod -Count 4 -Force");
        Assert.Equal(new[] { "camp-delta" }, Names(grown));
        Assert.DoesNotContain(grown.Warnings, w => w.Contains("may still appear"));
    }

    [Fact]
    public void A_volume_below_RunPods_minimum_is_refused_before_anything_is_created()
    {
        var small = _dir.Write("small.env", File.ReadAllText((string)_vars["configPath"]!).Replace("RUNPOD_VOLUME_SPACE_IN_GB=10", "RUNPOD_VOLUME_SPACE_IN_GB=5"));
        _vars["small"] = small;

        var fromFile = _host.Run("try { Import-ArenaConfig $small -NoDefault -ErrorAction Stop } catch { $_ }", _vars);
        var fromParameter = Run("try { New-ArenaPod -Name delta -VolumeSizeGB 5 -Force } catch { $_ }");

        Assert.Equal("InvalidConfigValue", fromFile.CaughtErrorId);
        Assert.Contains("RUNPOD_VOLUME_SPACE_IN_GB", fromFile.Caught.Exception.Message);
        Assert.Contains("10 GB", fromFile.Caught.Exception.Message);
        Assert.Equal("InvalidArgument", fromParameter.CaughtErrorId);
        Assert.Empty(Creates());
    }

    [Fact]
    public void Wait_fails_at_once_for_a_pod_in_error_or_without_a_public_ip_and_ends_with_its_log()
    {
        _sandbox.SeedPod(JsonSerializer.Serialize(new { name = "camp-alpha", desiredStatus = "ERROR" }));
        _sandbox.SeedPod(JsonSerializer.Serialize(new { name = "camp-bravo", desiredStatus = "RUNNING", noPublicIp = true }));
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var result = Run("Get-ArenaPod | Wait-ArenaPod -TimeoutSec 60 -PollIntervalSec 0.3 -Verbose");

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        var byPod = result.Errors.ToDictionary(e => ((ArenaPod)e.TargetObject).Name);
        Assert.StartsWith("PodNotReady,", byPod["camp-alpha"].FullyQualifiedErrorId);
        Assert.Contains("ERROR", byPod["camp-alpha"].Exception.Message);
        Assert.Contains("Its last log lines: ", byPod["camp-alpha"].Exception.Message);
        Assert.Contains("no public SSH port", byPod["camp-bravo"].Exception.Message);
        Assert.Contains("Get-ArenaPodLog", byPod["camp-alpha"].ErrorDetails.RecommendedAction);
    }

    [Fact]
    public void Get_ArenaPodLog_gives_each_pods_last_lines_and_Follow_runs_until_Ctrl_C()
    {
        Seed("camp-alpha");
        Seed("camp-bravo");

        var tail = Run("Get-ArenaPodLog -Tail 1 -Config $cfg -ApiKey $key");
        Assert.Empty(tail.Errors);
        Assert.Equal(new[] { "camp-alpha", "camp-bravo" }, tail.Output.OfType<ArenaPodLogLine>().Select(l => l.Name).OrderBy(n => n));
        Assert.All(tail.Output.OfType<ArenaPodLogLine>(), l => Assert.Equal("sshd: listening on port 22", l.Line));

        var (wasRunning, stopTook, state) = PowerShellHost.StopAfter(
            $"$cfg = Import-ArenaConfig '{_vars["configPath"]}' -NoDefault; Get-ArenaPodLog -Follow -Config $cfg -ApiKey (ConvertTo-SecureString '{Sandbox.ApiKey}' -AsPlainText -Force)",
            TimeSpan.FromSeconds(2));
        Assert.True(wasRunning, "-Follow ended by itself");
        Assert.True(stopTook < TimeSpan.FromSeconds(3), $"stopping took {stopTook}");
        Assert.Equal(PSInvocationState.Stopped, state);
    }

    [Fact]
    public void Wait_emits_pods_as_they_become_ready_and_names_the_last_status_of_one_that_never_does()
    {
        Seed("camp-alpha", readyInMs: 2500);
        Seed("camp-bravo", readyInMs: 300);
        Seed("camp-charlie", neverReady: true);

        var result = Run("Get-ArenaPod | Wait-ArenaPod -TimeoutSec 5 -PollIntervalSec 0.3");

        Assert.Equal(new[] { "camp-bravo", "camp-alpha" }, Names(result));
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("PodNotReady,", error.FullyQualifiedErrorId);
        Assert.Contains("camp-charlie", error.Exception.Message);
        Assert.Contains("Starting", error.Exception.Message);
        Assert.Contains("Its last log lines: ", error.Exception.Message);
    }

    [Fact]
    public void Wait_says_at_once_that_a_stopped_pod_will_not_be_ready_not_after_the_others_are()
    {
        Seed("camp-alpha", readyInMs: 2500);
        Seed("camp-bravo", status: "EXITED");

        // When alpha comes out, bravo's error must have been written already.
        var result = Run("Wait-ArenaPod -Name alpha, bravo -TimeoutSec 20 -PollIntervalSec 0.3 -ErrorVariable waitErrors | ForEach-Object { '{0} ready after {1} error(s)' -f $_.Name, $waitErrors.Count }");

        Assert.Equal(new[] { "camp-alpha ready after 1 error(s)" }, result.Output.OfType<string>());
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("PodNotReady,", error.FullyQualifiedErrorId);
        Assert.Contains("camp-bravo: the pod is stopped", error.Exception.Message);
    }

    [Fact]
    public void New_with_Wait_emits_pods_once_they_are_reachable()
    {
        var result = Run("New-ArenaPod -Count 2 -Force -Wait");
        var pods = result.Output.OfType<ArenaPod>().ToList();
        Assert.Equal(2, pods.Count);
        Assert.All(pods, p => Assert.Equal(ArenaPodStatus.Running, p.Status));
        Assert.All(pods, p => Assert.NotNull(p.SshPort));
    }

    public static IEnumerable<object[]> Backends() => new[] { new object[] { "rest" }, new object[] { "graphql" } };

    /// <summary>The commands from here on use that backend (RUNPOD_API).</summary>
    private void UseBackend(string backend) => File.AppendAllText((string)_vars["configPath"]!, $"RUNPOD_API={backend}\n");

    [Theory]
    [MemberData(nameof(Backends))]
    public void Stop_start_and_remove_move_pods_through_their_states(string backend)
    {
        UseBackend(backend);
        Seed("camp-alpha");
        Seed("camp-bravo");
        Seed("camp-charlie", "EXITED");

        var stopped = Run("Stop-ArenaPod -Name alpha, charlie -Force -AllowDataLoss -PassThru -Verbose");
        Assert.Equal(new[] { "camp-alpha" }, Names(stopped));
        Assert.Equal(ArenaPodStatus.Stopped, stopped.Output.OfType<ArenaPod>().Single().Status);
        Assert.Contains(stopped.Verbose, v => v.Contains("camp-charlie is Stopped, not running"));

        var started = Run("Get-ArenaPod -Name charlie | Start-ArenaPod -Force -PassThru");
        Assert.Equal(new[] { "camp-charlie" }, Names(started));
        Assert.Equal("RUNNING", started.Output.OfType<ArenaPod>().Single().DesiredStatus);

        var removed = Run("Remove-ArenaPod -Name alpha -Force -PassThru");
        Assert.Equal(ArenaPodStatus.Terminated, removed.Output.OfType<ArenaPod>().Single().Status);
        Assert.Equal(new[] { "camp-bravo", "camp-charlie" }, Names(Run("Get-ArenaPod")));
    }

    [Fact]
    public void Remove_refuses_a_running_pod_without_Force_and_stops_then_removes_it_with_Force()
    {
        Seed("camp-alpha");
        Seed("camp-bravo", "EXITED");

        var refused = Run("Remove-ArenaPod -Name * -Confirm:$false");
        var refusal = Assert.Single(refused.Errors);
        Assert.StartsWith("PodOperationFailed,", refusal.FullyQualifiedErrorId);
        Assert.StartsWith("camp-alpha: ", refusal.Exception.Message);
        Assert.Equal(new[] { "camp-alpha" }, Names(Run("Get-ArenaPod")));

        var forced = Run("Remove-ArenaPod -Name * -Force -PassThru");
        Assert.Empty(forced.Errors);
        Assert.Equal(new[] { "camp-alpha" }, Names(forced));
        Assert.Empty(Run("Get-ArenaPod").Output);
        var operations = _sandbox.Requests().Select(r => r.OperationName).ToList();
        Assert.True(operations.IndexOf("StopPod") < operations.LastIndexOf("TerminatePod"));
    }

    [Fact]
    public void Remove_in_a_session_that_cannot_prompt_needs_Force_or_Confirm_false()
    {
        Seed("camp-bravo", "EXITED");
        var result = Run("try { Remove-ArenaPod -Name * } catch { $_ }");
        Assert.Equal("ConfirmationRequired", result.CaughtErrorId);
        Assert.Single(Run("Get-ArenaPod").Output);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Start_reports_a_host_without_free_gpus_per_pod_and_goes_on(string backend)
    {
        UseBackend(backend);
        Seed("camp-alpha", "EXITED");
        Seed("camp-bravo", "EXITED");
        _sandbox.AddFault(new { kind = "noFreeGpus" });

        var result = Run("Start-ArenaPod -Name * -Force -PassThru -InformationVariable info; $info");

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("PodStuckOnHost,", error.FullyQualifiedErrorId);
        Assert.Matches("^camp-(alpha|bravo): ", error.Exception.Message);
        Assert.Contains("not enough free GPUs", error.Exception.Message);
        Assert.Contains("stuck on its host", error.Exception.Message);
        Assert.Contains("Repair-ArenaPod", error.ErrorDetails.RecommendedAction);
        Assert.Contains("-ReplaceIfStuck", error.ErrorDetails.RecommendedAction);
        Assert.Single(result.Output.OfType<ArenaPod>());
        // The batch ends with a summary the user sees (PSHOST, as Write-Host), naming the pod that failed.
        var summary = Assert.Single(result.Output.OfType<InformationRecord>());
        Assert.Contains("PSHOST", summary.Tags);
        var counts = Assert.IsType<ArenaBatchSummary>(summary.MessageData);
        Assert.Single(counts.Succeeded);
        Assert.Matches(@"^camp-(alpha|bravo) \(PodStuckOnHost\)$", Assert.Single(counts.Failed));
    }

    [Fact]
    public void ExcludeName_and_names_that_match_nothing()
    {
        Seed("camp-alpha");
        Seed("camp-bravo");
        Seed("camp-charlie");

        var result = Run("Stop-ArenaPod -Name * -ExcludeName 'b*' -Force -AllowDataLoss -PassThru; Stop-ArenaPod -Name nosuch -Force");

        Assert.Equal(new[] { "camp-alpha", "camp-charlie" }, Names(result));
        Assert.StartsWith("PodNotFound,", Assert.Single(result.Errors).FullyQualifiedErrorId);
    }
}
