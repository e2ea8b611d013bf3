using System.Diagnostics;
using System.Management.Automation;
using System.Security;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>Test-ArenaPod and Invoke-ArenaPodCommand against sandbox pods that are real sshd processes.</summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
[Trait(TestShard.Trait, TestShard.Second)]
public sealed class SshFleetTests : IClassFixture<SshSandbox>, IDisposable
{
    private readonly SshSandbox _ssh;
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars = new();

    public SshFleetTests(SshSandbox ssh)
    {
        _ssh = ssh;
        if (ssh.SkipReason != null) return;
        ssh.Sandbox!.Reset();
        foreach (var key in new[] { "test_ed25519", "test_rsa", "test_ecdsa", "test_ed25519_encrypted" })
        {
            File.Copy(RepoPaths.Fixture("keys/" + key), Path.Combine(_dir.Path, key));
            File.Copy(RepoPaths.Fixture("keys/" + key + ".pub"), Path.Combine(_dir.Path, key + ".pub"));
        }
        _vars["key"] = Secure(Sandbox.ApiKey);
        _vars["ed25519"] = Config("test_ed25519");
        _vars["rsa"] = Config("test_rsa");
        _vars["encrypted"] = Config("test_ed25519_encrypted");
        _vars["ecdsa"] = Config("test_ecdsa");
    }

    public void Dispose()
    {
        _host.Dispose();
        _dir.Dispose();
    }

    private string Config(string key) => _dir.Write(key + ".env", string.Join("\n",
        $"RUNPOD_API_BASE_URL={_ssh.Sandbox!.Url}",
        $"SHARED_SSH_KEY_PATH={Path.Combine(_dir.Path, key)}",
        $"SSH_USER={Environment.UserName}",
        "MACHINE_NAME_PREFIX=camp",
        "MACHINE_NAME_LIST=(alpha bravo charlie delta)",
        "RUNPOD_API_MAX_RPS=0",
        "VSCODE_PREINSTALL=false",
        ""));

    private static SecureString Secure(string text)
    {
        var s = new SecureString();
        foreach (var c in text) s.AppendChar(c);
        return s;
    }

    /// <summary>Runs a script with $cfg as the fleet config (the ed25519 key unless another is named).</summary>
    private HostResult Run(string script, string config = "ed25519") =>
        _host.Run($"$cfg = Import-ArenaConfig ${config} -NoDefault\n$PSDefaultParameterValues = @{{ '*-Arena*:Config' = $cfg; '*-Arena*:ApiKey' = $key }}\n" + script, _vars);

    private List<ArenaPodTestResult> Results(HostResult result) => result.Output.OfType<ArenaPodTestResult>().OrderBy(r => r.Name).ToList();

    private string PodId(string name) => Run($"(Get-ArenaPod -Name {name}).Id").Output.Cast<string>().Single();

    [SkippableFact]
    public void A_healthy_fleet_passes_with_one_connection_per_pod()
    {
        var sandbox = _ssh.Require();
        Run("New-ArenaPod -Count 3 -Force | Out-Null");

        var result = Run("Get-ArenaPod | Test-ArenaPod -Command 'echo ok-from-$ARENA_POD_NAME' -InformationVariable info; $info.MessageData");

        var results = Results(result);
        Assert.Equal(new[] { "camp-alpha", "camp-bravo", "camp-charlie" }, results.Select(r => r.Name));
        Assert.All(results, r => Assert.True(r.Passed, r.Error));
        Assert.All(results, r => Assert.Equal(ArenaTestStage.Passed, r.Stage));
        Assert.All(results, r => Assert.Equal($"ok-from-{r.Name}", r.Output));
        Assert.All(results, r => Assert.StartsWith("127.0.0.1:", r.Endpoint));
        var summary = result.Output.OfType<ArenaPodTestSummary>().Single();
        Assert.Equal(3, summary.Passed);
        Assert.Empty(result.Errors);
        Assert.Single(sandbox.Requests(), r => r.OperationName == "ListPods" && r.Time > DateTimeOffset.UtcNow.AddSeconds(-30) && r.Sequence == sandbox.Requests().Max(x => x.Sequence));
    }

    [SkippableFact]
    public void Each_failure_is_reported_at_its_stage_while_the_others_pass()
    {
        var sandbox = _ssh.Require();
        Run("New-ArenaPod -Count 4 -Force | Out-Null; Stop-ArenaPod -Name delta -Force -AllowDataLoss");
        sandbox.Sshd(PodId("alpha"), "stop");

        var result = Run("Get-ArenaPod | Test-ArenaPod -Command 'if [ \"$ARENA_POD_NAME\" = camp-bravo ]; then echo broken >&2; exit 7; fi; echo fine' -ConnectTimeoutSec 3");

        var byName = Results(result).ToDictionary(r => r.Name);
        Assert.Equal(ArenaTestStage.Connect, byName["camp-alpha"].Stage);
        Assert.Contains("Cannot connect to camp-alpha", byName["camp-alpha"].Error);
        Assert.Equal(ArenaTestStage.Command, byName["camp-bravo"].Stage);
        Assert.Equal(7, byName["camp-bravo"].ExitCode);
        Assert.Contains("broken", byName["camp-bravo"].Error);
        Assert.Equal(ArenaTestStage.Passed, byName["camp-charlie"].Stage);
        Assert.Equal(ArenaTestStage.NotRunning, byName["camp-delta"].Stage);
        Assert.False(byName["camp-delta"].Passed);
        Assert.Empty(result.Errors);
    }

    [SkippableFact]
    public void A_key_the_pods_do_not_trust_fails_at_Authenticate()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");

        var result = Run("Get-ArenaPod | Test-ArenaPod -Command true", config: "rsa");

        var only = Assert.Single(Results(result));
        Assert.Equal(ArenaTestStage.Authenticate, only.Stage);
        Assert.Contains("refused the key", only.Error);
    }

    [SkippableFact]
    public void Rsa_ecdsa_and_encrypted_keys_with_their_passphrase_work()
    {
        _ssh.Require();
        Run("New-ArenaPod -Name alpha -Force | Out-Null", config: "rsa");
        Run("New-ArenaPod -Name charlie -Force | Out-Null", config: "ecdsa");
        Run("New-ArenaPod -Name bravo -Force | Out-Null", config: "encrypted");
        _vars["pass"] = Secure("correct horse");

        var rsa = Run("Test-ArenaPod -Name alpha -Command true", config: "rsa");
        var ecdsa = Run("Test-ArenaPod -Name charlie -Command true", config: "ecdsa");
        var encrypted = Run("Test-ArenaPod -Name bravo -Command true -KeyPassphrase $pass", config: "encrypted");
        var noPassphrase = Run("try { Test-ArenaPod -Name bravo -Command true } catch { $_ }", config: "encrypted");

        Assert.True(Assert.Single(Results(rsa)).Passed);
        Assert.True(Assert.Single(Results(ecdsa)).Passed);
        Assert.True(Assert.Single(Results(encrypted)).Passed);
        Assert.Equal("SshKeyNotFound", noPassphrase.CaughtErrorId);
        Assert.Contains("-KeyPassphrase", noPassphrase.Caught.Exception.Message);
    }

    [SkippableFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void The_default_check_says_what_is_missing_conda_the_env_or_torch_rather_than_blaming_torch()
    {
        var sandbox = _ssh.Require();
        Run("New-ArenaPod -Count 3 -Force | Out-Null");
        void Conda(string pod, string says)
        {
            var file = Path.Combine(Path.GetDirectoryName(sandbox.PodHome(PodId(pod)))!, "bin", "conda");
            File.WriteAllText(file, $"#!/bin/sh\necho \"{says}\" >&2\nexit 1\n");
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        // alpha has no conda at all (its stand-in taken away); bravo's conda lacks the env; charlie's env lacks torch.
        File.Delete(Path.Combine(Path.GetDirectoryName(sandbox.PodHome(PodId("alpha")))!, "bin", "conda"));
        Conda("bravo", "EnvironmentLocationNotFound: Not a conda environment: /opt/conda/envs/arena");
        Conda("charlie", "ModuleNotFoundError: No module named 'torch'");

        var results = Results(Run("Test-ArenaPod")).ToDictionary(r => r.Name);

        Assert.All(results.Values, r => Assert.Equal(ArenaTestStage.Command, r.Stage));
        Assert.StartsWith("conda is not installed on the pod", results["camp-alpha"].Error);
        Assert.Contains("does not exist on the pod", results["camp-bravo"].Error);
        Assert.StartsWith("torch is not installed in the conda env", results["camp-charlie"].Error);
        Assert.All(results.Values, r => Assert.DoesNotContain("did not load", r.Error));
    }

    [SkippableFact]
    public void The_progress_bar_shows_0_of_N_at_once_with_the_pods_still_at_work_named()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 2 -Force | Out-Null");

        var progress = Run("Test-ArenaPod -Command true").Progress!;

        Assert.Equal("0 of 2 done", progress[0].StatusDescription);
        Assert.Equal("still at work: camp-alpha, camp-bravo", progress[0].CurrentOperation);
        Assert.Equal(0, progress[0].PercentComplete);
        Assert.Contains(progress, p => p.StatusDescription == "1 of 2 done" && (p.CurrentOperation == "still at work: camp-alpha" || p.CurrentOperation == "still at work: camp-bravo"));
        Assert.Equal(ProgressRecordType.Completed, progress[^1].RecordType);
    }

    [SkippableFact]
    public void A_changed_host_key_without_a_restart_is_HostKeyMismatch_and_after_a_restart_is_accepted_with_one_line_for_the_command()
    {
        var sandbox = _ssh.Require();
        Run("New-ArenaPod -Count 2 -Force | Out-Null");
        Assert.All(Results(Run("Test-ArenaPod -Command true")), r => Assert.True(r.Passed, r.Error));

        // alpha: the same pod, same uptime, a different key. Someone in the middle?
        sandbox.Sshd(PodId("alpha"), "rekey");
        // bravo: stopped and started, so RunPod gave it a new key, and its uptime says so.
        Thread.Sleep(2500);
        Run("Stop-ArenaPod -Name bravo -Force -AllowDataLoss; Start-ArenaPod -Name bravo -Force");

        var result = Run("Get-ArenaPod | Wait-ArenaPod -PollIntervalSec 0.3 -TimeoutSec 120 | Test-ArenaPod -Command true -Verbose -InformationVariable info; $info");

        var byName = Results(result).ToDictionary(r => r.Name);
        Assert.Equal(ArenaTestStage.HostKey, byName["camp-alpha"].Stage);
        Assert.Contains("has not restarted", byName["camp-alpha"].Error);
        Assert.True(byName["camp-bravo"].Passed, byName["camp-bravo"].Error);
        // An expected event: one line for the command, shown, and the fingerprint in Verbose; no warning.
        var told = Assert.Single(result.Output.OfType<InformationRecord>(), i => i.MessageData is string s && s.Contains("new host key"));
        Assert.Contains("1 pod has a new host key since it restarted", (string)told.MessageData);
        Assert.Contains("camp-bravo", (string)told.MessageData);
        Assert.Contains("PSHOST", told.Tags);
        Assert.DoesNotContain("camp-alpha", (string)told.MessageData);
        Assert.Contains(result.Verbose, v => v.Contains("camp-bravo has a new host key (SHA256:"));
        Assert.DoesNotContain(result.Warnings, w => w.Contains("host key"));
    }

    [SkippableFact]
    public void Strict_accepts_only_recorded_keys_and_Ignore_accepts_anything_with_a_warning()
    {
        var sandbox = _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");

        var strictFirst = Run("Test-ArenaPod -Command true -HostKeyPolicy Strict");
        Assert.Equal(ArenaTestStage.HostKey, Assert.Single(Results(strictFirst)).Stage);

        Run("Test-ArenaPod -Command true");
        Assert.True(Assert.Single(Results(Run("Test-ArenaPod -Command true -HostKeyPolicy Strict"))).Passed);

        sandbox.Sshd(PodId("alpha"), "rekey");
        var ignored = Run("Test-ArenaPod -Command true -HostKeyPolicy Ignore");
        Assert.True(Assert.Single(Results(ignored)).Passed);
        Assert.Contains(ignored.Warnings, w => w.Contains("accepts any host key"));
    }

    [SkippableFact]
    public void A_command_that_hangs_past_TimeoutSec_fails_at_Command()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        var clock = Stopwatch.StartNew();

        var result = Run("Test-ArenaPod -Command 'sleep 30' -TimeoutSec 2");

        var only = Assert.Single(Results(result));
        Assert.Equal(ArenaTestStage.Command, only.Stage);
        Assert.Contains("did not finish within 2 s", only.Error);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
    }

    [SkippableFact]
    public void Stopping_the_pipeline_returns_within_seconds()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 3 -Force | Out-Null");
        var (wasRunning, stopTook, state) = PowerShellHost.StopAfter(
            $"$cfg = Import-ArenaConfig '{_vars["ed25519"]}' -NoDefault; Test-ArenaPod -Config $cfg -ApiKey (ConvertTo-SecureString '{Sandbox.ApiKey}' -AsPlainText -Force) -Command 'sleep 60' -TimeoutSec 120",
            TimeSpan.FromMilliseconds(2500));

        Assert.True(wasRunning);
        Assert.True(stopTook < TimeSpan.FromSeconds(3), $"stopping took {stopTook}");
        Assert.Equal(PSInvocationState.Stopped, state);
    }

    [SkippableFact]
    public void Quiet_says_whether_every_pod_passed()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 2 -Force | Out-Null");

        Assert.Equal(true, Run("Get-ArenaPod | Test-ArenaPod -Command true -Quiet").Output.Single());
        Assert.Equal(false, Run("Get-ArenaPod | Test-ArenaPod -Command 'test $ARENA_POD_NAME = camp-alpha' -Quiet").Output.Single());
    }

    [SkippableFact]
    public void Wrong_input_is_a_clear_error_and_the_other_pods_go_on()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        // A pod object RunPod does not know, as a hand-made or damaged object would be: piped pods are
        // looked up again by id, so its own claims (running, an address) are never used.
        _vars["broken"] = new ArenaPod { Id = "no-such-id", Name = "camp-ghost", Status = ArenaPodStatus.Running, PublicIp = "127.0.0.1", SshPort = 9 };

        var piped = Run("@(Get-ArenaPod) + $broken | Test-ArenaPod -Command true");
        var named = Run("[pscustomobject]@{ Name = 'nosuch' }, [pscustomobject]@{ Name = 'alpha' } | Test-ArenaPod -Command true");

        Assert.True(Assert.Single(Results(piped)).Passed);
        var error = Assert.Single(piped.Errors);
        Assert.StartsWith("PodNotFound,", error.FullyQualifiedErrorId);
        Assert.StartsWith("no-such-id: ", error.Exception.Message);
        Assert.Equal("camp-alpha", Assert.Single(Results(named)).Name);
        Assert.StartsWith("PodNotFound,", Assert.Single(named.Errors).FullyQualifiedErrorId);
    }

    [SkippableFact]
    public void The_key_is_read_before_any_connection_and_a_missing_one_stops_the_command()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        File.Delete(Path.Combine(_dir.Path, "test_rsa"));

        var result = Run("try { Get-ArenaPod | Test-ArenaPod -Command true } catch { $_ }", config: "rsa");

        Assert.Equal("SshKeyNotFound", result.CaughtErrorId);
        Assert.Empty(Results(result));
    }

    [SkippableFact]
    public void Invoke_ArenaPodCommand_keeps_exit_codes_stdout_and_stderr_apart()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 2 -Force | Out-Null");

        var result = Run("Get-ArenaPod | Invoke-ArenaPodCommand -Command 'echo out-$ARENA_POD_NAME; echo err >&2; [ $ARENA_POD_NAME = camp-alpha ] && exit 0 || exit 5'");

        var byName = result.Output.OfType<ArenaCommandResult>().ToDictionary(r => r.Name);
        Assert.Equal(0, byName["camp-alpha"].ExitCode);
        Assert.True(byName["camp-alpha"].Succeeded);
        Assert.Equal("out-camp-alpha\n", byName["camp-alpha"].StdOut);
        Assert.Equal("err\n", byName["camp-alpha"].StdErr);
        Assert.Equal(5, byName["camp-bravo"].ExitCode);
        Assert.False(byName["camp-bravo"].Succeeded);
        Assert.Empty(result.Errors);
    }

    [SkippableFact]
    public void Sequential_runs_one_pod_after_another_and_a_script_file_is_uploaded_and_run()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 3 -Force | Out-Null");
        _vars["script"] = _dir.Write("probe.sh", "#!/bin/bash\nstart=$(date +%s.%N)\nsleep 0.4\necho \"$start $(date +%s.%N) $ARENA_POD_NAME\"\n");

        var result = Run("Get-ArenaPod | Invoke-ArenaPodCommand -ScriptFile $script -Sequential");
        Assert.Empty(result.Errors);

        var spans = result.Output.OfType<ArenaCommandResult>()
            .Select(r => r.StdOut.Trim().Split(' '))
            .Select(p => (Start: double.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture), End: double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture)))
            .OrderBy(s => s.Start).ToList();
        Assert.Equal(3, spans.Count);
        for (var i = 1; i < spans.Count; i++) Assert.True(spans[i].Start >= spans[i - 1].End, "runs overlapped");
    }

    [SkippableFact]
    public void Invoke_ArenaPodCommand_gives_unreachable_and_stopped_pods_a_result_that_says_why()
    {
        var sandbox = _ssh.Require();
        Run("New-ArenaPod -Count 3 -Force | Out-Null; Stop-ArenaPod -Name charlie -Force -AllowDataLoss");
        sandbox.Sshd(PodId("alpha"), "stop");

        var result = Run("Get-ArenaPod | Invoke-ArenaPodCommand -Command 'true' -ConnectTimeoutSec 3 -InformationVariable info; $info");

        var byName = result.Output.OfType<ArenaCommandResult>().ToDictionary(r => r.Name);
        Assert.Equal(new[] { "camp-alpha", "camp-bravo", "camp-charlie" }, byName.Keys.OrderBy(n => n));
        Assert.True(byName["camp-bravo"].Succeeded);
        Assert.Equal(0, byName["camp-bravo"].ExitCode);
        Assert.False(byName["camp-alpha"].Succeeded);
        Assert.Null(byName["camp-alpha"].ExitCode);
        Assert.Equal("Connect", byName["camp-alpha"].FailedStep);
        Assert.Equal("SshConnectFailed", byName["camp-alpha"].ErrorId);
        Assert.Equal("NotRunning", byName["camp-charlie"].FailedStep);
        Assert.Equal("PodNotRunning", byName["camp-charlie"].ErrorId);
        Assert.Empty(result.Errors);
        var summary = Assert.IsType<ArenaBatchSummary>(Assert.Single(result.Output.OfType<InformationRecord>()).MessageData);
        Assert.Equal(new[] { "camp-alpha (Connect)", "camp-charlie (NotRunning)" }, summary.Failed);
    }

    [SkippableFact]
    public void Host_keys_are_recorded_by_pod_id_in_a_private_file()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        Run("Test-ArenaPod -Command true");

        var file = Path.Combine(_ssh.DataDir!.Path, "pod_host_keys.json");
        Assert.Contains(PodId("alpha"), File.ReadAllText(file));
        Assert.Contains("SHA256:", File.ReadAllText(file));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
    }
}
