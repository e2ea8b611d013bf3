using System.Security;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// Test-ArenaPod -Deep against sandbox pods on machines with their faults: each bad host meets the
/// real deep check (its script, the pod's stand-in nvidia-smi, conda and torch) and gets its verdict.
/// </summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
[Trait(TestShard.Trait, TestShard.Second)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DeepCheckTests : IClassFixture<SshSandbox>, IDisposable
{
    private readonly SshSandbox _ssh;
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars = new();

    public DeepCheckTests(SshSandbox ssh)
    {
        _ssh = ssh;
        if (ssh.SkipReason != null) return;
        ssh.Sandbox!.Reset();
        var key = SshCamp.CopyKey(Path.Combine(_dir.Path, "test_ed25519"));
        _vars["key"] = Secure(Sandbox.ApiKey);
        _vars["cfg1"] = SshCamp.Config(_dir, ssh.Sandbox, key, Deep(), machines: "(alpha bravo charlie delta echo foxtrot)");
        _vars["cfg2"] = SshCamp.Config(_dir, ssh.Sandbox, key, Deep().Append("RUNPOD_NUM_GPUS=2"), machines: "(alpha bravo charlie delta echo foxtrot)", name: "two.env");
        _vars["cfg3"] = SshCamp.Config(_dir, ssh.Sandbox, key, Deep().Append("RUNPOD_NUM_GPUS=2").Append("DEEP_CHECK_MIN_FREE_GB=1000000"), machines: "(alpha bravo charlie delta echo foxtrot)", name: "three.env");
        File.Delete(Path.Combine(ssh.DataDir!.Path, "health.json"));
    }

    private IEnumerable<string> Deep() => new[] { $"DEEP_CHECK_URL={_ssh.Sandbox!.DownloadUrl}", "DEEP_CHECK_DOWNLOAD_MB=4" };

    public void Dispose()
    {
        _host.Dispose();
        _dir.Dispose();
    }

    private static SecureString Secure(string text)
    {
        var s = new SecureString();
        foreach (var c in text) s.AppendChar(c);
        return s;
    }

    /// <summary>The stand-ins need this machine's python3 (the real deep-check python runs on it) and curl.</summary>
    private Sandbox Require()
    {
        var sandbox = _ssh.Require();
        Skip.If(!File.Exists("/usr/bin/python3") && !OnPath("python3"), "python3 is not installed: the pods' conda stand-in runs it");
        Skip.If(!OnPath("curl"), "curl is not installed: the deep check downloads with it");
        return sandbox;
    }

    private static bool OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, name)));

    private HostResult Run(string script, string config = "cfg1") =>
        _host.Run($"$cfg = Import-ArenaConfig ${config} -NoDefault\n$PSDefaultParameterValues = @{{ '*-Arena*:Config' = $cfg; '*-Arena*:ApiKey' = $key }}\n" + script, _vars);

    private Dictionary<string, ArenaPodTestResult> Results(HostResult result) => result.Output.OfType<ArenaPodTestResult>().ToDictionary(r => r.Name);

    private string PodId(string name) => Run($"(Get-ArenaPod -Name {name}).Id").Output.Cast<string>().Single();

    private string Bin(Sandbox sandbox, string name) => Path.Combine(Path.GetDirectoryName(sandbox.PodHome(PodId(name)))!, "bin");

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void Script(string path, string text)
    {
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static ArenaPodCheck Check(ArenaPodTestResult result, string name) => result.Checks.Single(c => c.Name == name);

    [SkippableFact]
    public void A_healthy_pod_passes_with_every_check_PASS_and_Get_ArenaPod_shows_its_health()
    {
        Require();
        Run("New-ArenaPod -Name alpha -Force | Out-Null");

        var result = Run("Test-ArenaPod -Deep");

        var alpha = Assert.Single(Results(result).Values);
        Assert.True(alpha.Passed, alpha.Error + "\n" + alpha.Output);
        Assert.True(alpha.Deep);
        Assert.Equal(new[] { "nvidia-smi", "driver", "torch", "gpu-count", "compute", "disk-root", "download", "load" }, alpha.Checks.Select(c => c.Name));
        Assert.All(alpha.Checks, c => Assert.True(c.Verdict == ArenaCheckVerdict.Pass, c.ToString()));
        Assert.Equal(ArenaCheckVerdict.Pass, alpha.Verdict);
        Assert.StartsWith("driver 575.57.08, at least 570 (CUDA 12.8 of the image's torch)", Check(alpha, "driver").Reason);
        Assert.Equal("nvidia-smi sees 1, torch 1, RunPod booked 1", Check(alpha, "gpu-count").Reason);
        Assert.NotNull(alpha.MachineId);
        Assert.Equal("2.7.1+sandbox", alpha.TorchVersion);
        Assert.Equal(true, alpha.CudaAvailable);

        var pod = Assert.Single(Run("Get-ArenaPod").Output.OfType<ArenaPod>());
        Assert.Equal(ArenaCheckVerdict.Pass, pod.Health);
        Assert.InRange(pod.HealthCheckedAt!.Value, DateTimeOffset.UtcNow.AddMinutes(-2), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Null(pod.HealthReason);
        Assert.Contains(alpha.MachineId!, File.ReadAllText(Path.Combine(_ssh.DataDir!.Path, "health.json")));
        _vars["format"] = Path.Combine(RepoPaths.Root, "ArenaInfra.Module", "ArenaInfra.Format.ps1xml");
        var table = string.Join("\n", Run("Update-FormatData -PrependPath $format; $PSStyle.OutputRendering = 'PlainText'; Get-ArenaPod | Out-String -Width 150").Output);
        Assert.Matches(@"Health[\s\S]*camp-alpha.*PASS \d+s", table);
    }

    [SkippableFact]
    public void Each_bad_host_gives_its_verdict_on_the_check_it_breaks_and_the_summary_names_the_machine()
    {
        var sandbox = Require();
        sandbox.Machine("m-nosmi", "noNvidiaSmi");
        sandbox.Machine("m-old", "oldDriver");
        sandbox.Machine("m-matmul", "badMatmul");
        sandbox.Machine("m-slow", "slowDownload");
        sandbox.Place("camp-alpha", "m-nosmi");
        sandbox.Place("camp-bravo", "m-nosmi");
        sandbox.Place("camp-charlie", "m-old");
        sandbox.Place("camp-delta", "m-matmul");
        sandbox.Place("camp-echo", "m-slow");
        Run("New-ArenaPod -Name alpha, bravo, charlie, delta, echo -Force | Out-Null");

        _vars["format"] = Path.Combine(RepoPaths.Root, "ArenaInfra.Module", "ArenaInfra.Format.ps1xml");
        var run = Run("$r = Test-ArenaPod -Deep -InformationVariable info; $r; $info.MessageData; Update-FormatData -PrependPath $format; $PSStyle.OutputRendering = 'PlainText'; " +
            "$r | Sort-Object MachineId, Name | Format-Table -View ByMachine | Out-String -Width 200; $r | Sort-Object Name | Out-String -Width 200");
        var results = Results(run);

        Assert.Equal("m-nosmi", results["camp-alpha"].MachineId);
        foreach (var name in new[] { "camp-alpha", "camp-bravo" })
        {
            Assert.False(results[name].Passed);
            Assert.Equal(ArenaCheckVerdict.Fail, Check(results[name], "nvidia-smi").Verdict);
            Assert.Equal("nvidia-smi: nvidia-smi is not installed: no NVIDIA driver in the container", results[name].Error);
        }
        var charlie = results["camp-charlie"];
        Assert.False(charlie.Passed);
        Assert.Equal(ArenaCheckVerdict.Fail, Check(charlie, "driver").Verdict);
        Assert.StartsWith("driver 535.104.05 is below 570", Check(charlie, "driver").Reason);
        Assert.Equal(ArenaCheckVerdict.Pass, Check(charlie, "nvidia-smi").Verdict);
        var delta = results["camp-delta"];
        Assert.False(delta.Passed);
        Assert.Equal("compute: GPU 0: matmul gave 16842752.0, not 16777216", delta.Error);
        var echo = results["camp-echo"];
        Assert.True(echo.Passed, echo.Error);
        Assert.Equal(ArenaCheckVerdict.Warn, echo.Verdict);
        Assert.Equal(ArenaCheckVerdict.Warn, Check(echo, "download").Verdict);
        Assert.Matches(@"^0\.\d+ MB/s, under 2 MB/s$", Check(echo, "download").Reason);
        Assert.All(echo.Checks.Where(c => c.Name != "download"), c => Assert.Equal(ArenaCheckVerdict.Pass, c.Verdict));

        var shown = run.Output.OfType<string>().ToList();
        Assert.Matches(@"Machine: m-nosmi\s+Name\s+Result\s+First problem\s+-+\s+-+\s+-+\s+camp-alpha\s+FAIL\s+nvidia-smi: nvidia-smi is not installed[^\n]*\n\s*camp-bravo\s+FAIL", shown[0]);
        Assert.Matches(@"camp-echo\s+WARN\s+Passed\s+[\d.]+\s+2\.7\.1\S*\s+download: 0\.\d+ MB/s, under 2 MB/s", shown[1]);
        Assert.Matches(@"camp-delta\s+FAIL\s+Command\s+[\d.]+\s+2\.7\.1\S*\s+compute: GPU 0: matmul gave", shown[1]);
        var summary = run.Output.OfType<ArenaPodTestSummary>().Single();
        Assert.Contains("m-nosmi: camp-alpha, camp-bravo", summary.FailedMachines);
        Assert.Contains("Failed on machines m-matmul: camp-delta; m-nosmi: camp-alpha, camp-bravo; m-old: camp-charlie.", summary.ToString());
    }

    [SkippableFact]
    public void A_pod_whose_torch_sees_one_GPU_fewer_than_booked_fails_the_GPU_count_and_two_good_GPUs_copy_and_all_reduce()
    {
        var sandbox = Require();
        sandbox.Machine("m-missing", "missingGpu", gpuCount: 2);
        sandbox.Place("camp-alpha", "m-missing");
        Run("New-ArenaPod -Name alpha, bravo -Force | Out-Null", config: "cfg2");

        var results = Results(Run("Test-ArenaPod -Deep", config: "cfg2"));

        var alpha = results["camp-alpha"];
        Assert.False(alpha.Passed);
        Assert.Equal(ArenaCheckVerdict.Fail, Check(alpha, "gpu-count").Verdict);
        Assert.Equal("nvidia-smi sees 2, torch 1, RunPod booked 2", Check(alpha, "gpu-count").Reason);
        Assert.Equal("gpu-count: nvidia-smi sees 2, torch 1, RunPod booked 2", alpha.Error);
        var bravo = results["camp-bravo"];
        Assert.True(bravo.Passed, bravo.Error);
        Assert.Equal(ArenaCheckVerdict.Pass, Check(bravo, "peer-copy").Verdict);
        Assert.Equal("all-reduce right over 2 GPUs", Check(bravo, "nccl").Reason);
    }

    [SkippableFact]
    public void GPUs_that_cannot_reach_each_other_fail_copy_and_all_reduce_and_a_busy_host_and_a_small_disk_warn()
    {
        var sandbox = Require();
        Skip.If(!File.Exists("/usr/bin/unshare"), "unshare is not installed: a busy host's load is shown in a mount namespace of its own");
        sandbox.Machine("m-peer", "badPeer", gpuCount: 2);
        sandbox.Machine("m-busy", "busyHost", gpuCount: 2);
        sandbox.Place("camp-alpha", "m-peer");
        sandbox.Place("camp-bravo", "m-busy");
        Run("New-ArenaPod -Name alpha, bravo -Force | Out-Null", config: "cfg3");

        var results = Results(Run("Test-ArenaPod -Deep", config: "cfg3"));

        var alpha = results["camp-alpha"];
        Assert.False(alpha.Passed);
        Assert.Equal(ArenaCheckVerdict.Fail, Check(alpha, "peer-copy").Verdict);
        Assert.Equal(ArenaCheckVerdict.Fail, Check(alpha, "nccl").Verdict);
        Assert.Contains("unhandled system error", Check(alpha, "nccl").Reason);
        Assert.Equal(ArenaCheckVerdict.Pass, Check(alpha, "compute").Verdict);
        var bravo = results["camp-bravo"];
        // Warnings only: the pod passes, and says why it is not clean.
        Assert.True(bravo.Passed, bravo.Error);
        Assert.Equal(ArenaCheckVerdict.Warn, bravo.Verdict);
        Assert.Equal("host load 97.50 is above its 64 CPUs", Check(bravo, "load").Reason);
        Assert.Equal(ArenaCheckVerdict.Warn, Check(bravo, "load").Verdict);
        Assert.Equal(ArenaCheckVerdict.Warn, Check(bravo, "disk-root").Verdict);
        Assert.Matches(@"^[\d.]+ GB free on /, under 1000000 GB$", Check(bravo, "disk-root").Reason);
        Assert.Equal(ArenaCheckVerdict.Pass, Check(bravo, "nccl").Verdict);
        Assert.Equal(ArenaCheckVerdict.Pass, Check(alpha, "load").Verdict);
    }

    [SkippableFact]
    public void A_run_past_its_budget_fails_with_the_stage_it_reached()
    {
        var sandbox = Require();
        Run("New-ArenaPod -Name alpha -Force | Out-Null");
        var bin = Bin(sandbox, "alpha");
        // A pod whose timeout does not end anything, and whose python hangs: only the module's deadline ends the run.
        Script(Path.Combine(bin, "timeout"), "#!/bin/sh\nwhile [ $# -gt 0 ]; do case \"$1\" in -k) shift 2 ;; -*) shift ;; *) break ;; esac; done\nshift\nexec \"$@\"\n");
        Script(Path.Combine(bin, "conda"), "#!/bin/sh\nexec sleep 60\n");

        var alpha = Assert.Single(Results(Run("Test-ArenaPod -Deep -BudgetSec 10")).Values);

        Assert.False(alpha.Passed);
        Assert.Equal(ArenaTestStage.Command, alpha.Stage);
        Assert.Equal("budget: did not finish within 10 s; reached stage torch", alpha.Error);
        Assert.Equal(ArenaCheckVerdict.Pass, Check(alpha, "nvidia-smi").Verdict);
        Assert.Equal("not reached: the check ended at stage torch", Check(alpha, "disk-root").Reason);
    }

    [SkippableFact]
    public void Hostile_output_is_read_strictly_an_escape_a_forged_PASS_an_endless_line_and_a_flood()
    {
        var sandbox = Require();
        sandbox.Machine("m-old", "oldDriver");
        sandbox.Place("camp-alpha", "m-old");
        Run("New-ArenaPod -Name alpha, bravo -Force | Out-Null");
        Script(Path.Combine(Bin(sandbox, "alpha"), "conda"), "#!/bin/sh\n" +
            "printf 'FAIL compute GPU 0 \\033[31mis on fire\\033]0;owned\\007\\n'\n" +
            "echo 'PASS compute all good, honestly'\n" +
            "echo 'PASS driver forged'\n" +
            "echo 'FACT torch-gpus 1'\necho 'PASS torch fine'\necho 'FACT torch-cuda 12.8'\n" +
            "head -c 200000 /dev/zero | tr '\\0' A\necho\n");
        // bravo floods: more output than is kept.
        Script(Path.Combine(Bin(sandbox, "bravo"), "conda"), "#!/bin/sh\nyes 'all fine here' | head -c 600000\n");

        var results = Results(Run("Test-ArenaPod -Deep"));

        var alpha = results["camp-alpha"];
        Assert.False(alpha.Passed);
        var compute = Check(alpha, "compute");
        Assert.Equal(ArenaCheckVerdict.Fail, compute.Verdict);
        Assert.DoesNotContain('\u001b', compute.Reason);
        Assert.DoesNotContain('\u0007', compute.Reason);
        Assert.StartsWith("GPU 0", compute.Reason);
        Assert.Equal(ArenaCheckVerdict.Fail, Check(alpha, "driver").Verdict);
        Assert.True(alpha.Checks.All(c => c.Reason.Length <= 200));
        var bravo = results["camp-bravo"];
        Assert.False(bravo.Passed);
        Assert.Equal(ArenaCheckVerdict.Fail, Check(bravo, "output").Verdict);
        // The tail is kept too, so the stage is the last one the kept output names.
        Assert.Equal("the output was cut (more than 320 KB), at stage download", Check(bravo, "output").Reason);
    }

    [SkippableFact]
    public void Get_ArenaPod_warns_of_a_health_record_it_cannot_read_and_shows_no_health_from_it()
    {
        Require();
        Run("New-ArenaPod -Name alpha -Force | Out-Null");
        var id = PodId("alpha");
        File.WriteAllText(Path.Combine(_ssh.DataDir!.Path, "health.json"), "{\"Pods\": {\"" + id + "\": {\"PodId\": \"" + id + "\", \"Verdict\": \"PASS\"}, \"x\": 1}}");

        var result = Run("Get-ArenaPod");

        Assert.Null(Assert.Single(result.Output.OfType<ArenaPod>()).Health);
        Assert.Contains(result.Warnings, w => w.Contains("could not be read") && w.Contains("health.json"));
    }

    [SkippableFact]
    public void The_plain_check_is_unchanged_and_meets_the_same_stand_ins()
    {
        var sandbox = Require();
        sandbox.Machine("m-matmul", "badMatmul");
        sandbox.Place("camp-bravo", "m-matmul");
        Run("New-ArenaPod -Name alpha, bravo -Force | Out-Null");

        var results = Results(Run("Test-ArenaPod"));

        Assert.True(results["camp-alpha"].Passed, results["camp-alpha"].Error);
        Assert.False(results["camp-alpha"].Deep);
        Assert.Empty(results["camp-alpha"].Checks);
        Assert.Equal("2.7.1+sandbox", results["camp-alpha"].TorchVersion);
        Assert.Equal("the computation on the GPU failed", results["camp-bravo"].Error);
        Assert.False(File.Exists(Path.Combine(_ssh.DataDir!.Path, "health.json")));
    }

    [SkippableFact]
    public void The_sandbox_refuses_a_fault_it_does_not_know()
    {
        var sandbox = Require();

        Assert.Contains("400", Assert.Throws<HttpRequestException>(() => sandbox.Machine("m-x", "meltdown")).Message);
    }

    [SkippableFact]
    public void Deep_takes_no_Command_and_an_empty_pipeline_checks_nothing()
    {
        Require();
        Run("New-ArenaPod -Name alpha -Force | Out-Null");

        var both = Run("try { Test-ArenaPod -Deep -Command true } catch { $_ }");
        var roster = Run("try { Test-ArenaPod -Deep -AsRoster } catch { $_ }");
        var empty = Run("@() | Test-ArenaPod -Deep");

        Assert.Equal("InvalidArgument", both.CaughtErrorId);
        Assert.Equal("InvalidArgument", roster.CaughtErrorId);
        Assert.Empty(empty.Output.OfType<ArenaPodTestResult>());
        Assert.False(File.Exists(Path.Combine(_ssh.DataDir!.Path, "health.json")));
    }
}
