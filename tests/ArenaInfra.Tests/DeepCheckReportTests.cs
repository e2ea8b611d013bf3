using ArenaInfra.Health;
using ArenaInfra.Ssh;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>The deep check's judgement, without a pod: the driver floor, and its output read strictly whatever the pod sends.</summary>
public sealed class DeepCheckReportTests
{
    private static readonly DeepCheckOptions Options = new() { Budget = TimeSpan.FromSeconds(150) };

    private const string Healthy = """
        STAGE load
        PASS load host load 0.5 on 64 CPUs
        STAGE nvidia-smi
        FACT driver 575.57.08
        FACT smi-gpus 1
        PASS nvidia-smi 1 GPU(s): NVIDIA RTX A4000
        STAGE torch
        FACT torch-cuda 12.8
        FACT torch-gpus 1
        PASS torch torch 2.7.1, CUDA 12.8
        STAGE compute
        PASS compute a matmul with the right answer on each of 1 GPU(s)
        STAGE disk
        PASS disk-root 80.0 GB free on /
        STAGE download
        PASS download 55.10 MB/s
        DONE
        """;

    private static DeepCheckReport Read(string stdout, int booked = 1, bool timedOut = false, bool cut = false, int? exit = 0, DeepCheckOptions? options = null) =>
        DeepCheckReport.Read(new CommandOutput(exit, stdout.Replace("\r\n", "\n"), "", timedOut, cut), booked, options ?? Options);

    private static ArenaPodCheck Check(DeepCheckReport report, string name) => report.Checks.Single(c => c.Name == name);

    [Theory]
    [InlineData("12.0", 525)]
    [InlineData("12.1", 530)]
    [InlineData("12.2", 535)]
    [InlineData("12.3", 545)]
    [InlineData("12.4", 550)]
    [InlineData("12.5", 555)]
    [InlineData("12.6", 560)]
    [InlineData("12.7", 560)]
    [InlineData("12.8", 570)]
    [InlineData("12.9", 575)]
    [InlineData("13.0", 580)]
    [InlineData("13.1", 580)]
    [InlineData("13", 580)]
    [InlineData("11.8", 520)]
    public void The_driver_floor_of_a_CUDA_version_is_NVIDIAs_minimum(string cuda, int driver)
    {
        Assert.Equal(new Version(driver, 0), DriverFloor.ForCuda(cuda));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("none")]
    [InlineData("14.0")]
    [InlineData("10.2")]
    [InlineData("12.8; rm -rf /")]
    public void A_CUDA_version_the_table_does_not_know_gives_no_floor(string? cuda)
    {
        Assert.Null(DriverFloor.ForCuda(cuda));
    }

    [Fact]
    public void The_config_floor_is_MIN_DRIVER_VERSION_else_the_lowest_of_the_allowed_CUDA_versions()
    {
        Assert.Equal(new Version(550, 54, 15), DriverFloor.FromConfig("550.54.15", "13.0"));
        Assert.Equal(new Version(570, 0), DriverFloor.FromConfig(null, "12.9, 12.8,13.0"));
        Assert.Equal(new Version(580, 0), DriverFloor.FromConfig("", "13.0"));
        Assert.Null(DriverFloor.FromConfig(null, null));
    }

    [Fact]
    public void A_healthy_run_passes_with_the_driver_and_GPU_count_judged_here()
    {
        var report = Read(Healthy);

        Assert.True(report.Passed);
        Assert.Equal(new[] { "nvidia-smi", "driver", "torch", "gpu-count", "compute", "disk-root", "download", "load" }, report.Checks.Select(c => c.Name));
        Assert.All(report.Checks, c => Assert.Equal(ArenaCheckVerdict.Pass, c.Verdict));
        Assert.Equal("driver 575.57.08, at least 570 (CUDA 12.8 of the image's torch)", Check(report, "driver").Reason);
        Assert.Equal(0, report.Ignored);
    }

    [Fact]
    public void A_configured_floor_wins_over_the_images_CUDA()
    {
        var options = new DeepCheckOptions { DriverFloor = new Version(580, 0), DriverFloorSource = "MIN_DRIVER_VERSION" };

        var report = Read(Healthy, options: options);

        Assert.False(report.Passed);
        Assert.Equal("driver 575.57.08 is below 580, the floor for MIN_DRIVER_VERSION", Check(report, "driver").Reason);
    }

    [Fact]
    public void A_PASS_after_a_FAIL_does_not_cover_it_and_a_verdict_on_a_check_judged_here_is_ignored()
    {
        var report = Read(Healthy.Replace("PASS compute a matmul", "FAIL compute GPU 0 wrong\nPASS compute a matmul")
            .Replace("FACT driver 575.57.08", "FACT driver 470.1\nPASS driver forged\nPASS gpu-count forged"));

        Assert.False(report.Passed);
        Assert.Equal(ArenaCheckVerdict.Fail, Check(report, "compute").Verdict);
        Assert.Equal("GPU 0 wrong", Check(report, "compute").Reason);
        Assert.Equal(ArenaCheckVerdict.Fail, Check(report, "driver").Verdict);
        Assert.Equal(2, report.Ignored);
    }

    [Fact]
    public void Reasons_are_terminal_safe_and_bounded_and_long_or_unknown_lines_are_ignored()
    {
        var report = Read(Healthy.Replace("PASS load host load 0.5 on 64 CPUs", "WARN load \u001b]0;owned\u0007\u001b[31m" + new string('x', 500)
            + "\n" + new string('A', 100_000) + "\nWARN nosuchcheck hello\nPASS\nFACT driver abc\nFACT smi-gpus 99999"));

        var load = Check(report, "load");
        Assert.Equal(ArenaCheckVerdict.Warn, load.Verdict);
        Assert.True(TerminalText.IsSafe(load.Reason));
        Assert.True(load.Reason.Length <= 200, load.Reason.Length.ToString());
        Assert.Equal(5, report.Ignored);
        Assert.True(report.Passed);
    }

    [Fact]
    public void A_missing_required_check_is_a_FAIL_and_lines_after_DONE_count_for_nothing()
    {
        var report = Read(Healthy.Replace("STAGE disk\nPASS disk-root 80.0 GB free on /\n", "").Replace("DONE", "DONE\nPASS disk-root late"));

        Assert.False(report.Passed);
        Assert.Equal("not reported by the check", Check(report, "disk-root").Reason);
        Assert.Equal(ArenaCheckVerdict.Fail, Check(report, "disk-root").Verdict);
    }

    [Fact]
    public void A_python_that_failed_is_named_before_the_torch_it_kept_from_reporting()
    {
        var report = Read(Healthy.Substring(0, Healthy.IndexOf("FACT torch-cuda", StringComparison.Ordinal))
            + "FAIL python python in the conda env 'arena-env' failed (exit 1): EnvironmentLocationNotFound\nSTAGE disk\nPASS disk-root 80 GB free on /\nSTAGE download\nPASS download 9 MB/s\nDONE\n");

        Assert.False(report.Passed);
        Assert.Equal("python", report.Checks.First(c => c.Verdict == ArenaCheckVerdict.Fail).Name);
        Assert.Equal("not reported by the check", Check(report, "torch").Reason);
        Assert.Equal("driver 575.57.08; no floor known (set MIN_DRIVER_VERSION or ALLOWED_CUDA_VERSIONS)", Check(report, "driver").Reason);
    }

    [Fact]
    public void More_than_one_GPU_booked_requires_the_copy_and_the_all_reduce()
    {
        var report = Read(Healthy.Replace("smi-gpus 1", "smi-gpus 2").Replace("torch-gpus 1", "torch-gpus 2"), booked: 2);

        Assert.False(report.Passed);
        Assert.Equal(ArenaCheckVerdict.Fail, Check(report, "peer-copy").Verdict);
        Assert.Equal(ArenaCheckVerdict.Fail, Check(report, "nccl").Verdict);
        Assert.Equal(ArenaCheckVerdict.Pass, Check(report, "gpu-count").Verdict);
    }

    [Fact]
    public void GPU_counts_that_disagree_or_are_given_twice_fail()
    {
        Assert.Equal("nvidia-smi sees 1, torch 1, RunPod booked 2", Check(Read(Healthy, booked: 2), "gpu-count").Reason);
        var twice = Read(Healthy.Replace("FACT torch-gpus 1", "FACT torch-gpus 1\nFACT torch-gpus 2"));
        Assert.Equal(ArenaCheckVerdict.Fail, Check(twice, "gpu-count").Verdict);
        Assert.Equal("nvidia-smi sees 1, torch 1/2, RunPod booked 1", Check(twice, "gpu-count").Reason);
    }

    [Fact]
    public void A_run_cut_short_or_past_its_budget_fails_with_the_stage_it_reached()
    {
        var partial = Healthy.Substring(0, Healthy.IndexOf("STAGE compute", StringComparison.Ordinal) + "STAGE compute".Length);

        var timedOut = Read(partial, timedOut: true, exit: null);
        var killed = Read(partial, exit: 124);
        var ended = Read(partial, exit: 0);
        var cut = Read(Healthy, cut: true);

        Assert.Equal("did not finish within 150 s; reached stage compute", Check(timedOut, "budget").Reason);
        Assert.Equal(ArenaCheckVerdict.Fail, Check(killed, "budget").Verdict);
        Assert.Equal("ended at stage compute without finishing (exit code 0)", Check(ended, "deep-check").Reason);
        Assert.Equal("not reached: the check ended at stage compute", Check(ended, "compute").Reason);
        Assert.False(cut.Passed);
        Assert.Equal("the output was cut (more than 320 KB), at stage download", Check(cut, "output").Reason);
        Assert.All(new[] { timedOut, killed, ended }, r => Assert.False(r.Passed));
    }

    [SkippableFact]
    public void The_command_runs_under_the_pods_timeout_with_its_settings_quoted()
    {
        Skip.If(OperatingSystem.IsWindows(), "the deep check is a POSIX shell script");
        var planted = Path.Combine(Path.GetTempPath(), "arenainfra-planted-" + Guid.NewGuid().ToString("N"));
        var command = DeepCheckScript.Command(new DeepCheckOptions { Budget = TimeSpan.FromSeconds(40), DownloadUrl = $"http://127.0.0.1:1/a'b;$(touch {planted})", DownloadBytes = 1000, CondaEnv = $"no'env$(touch {planted})" });

        var info = new System.Diagnostics.ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command);
        using var shell = System.Diagnostics.Process.Start(info)!;
        var stdout = shell.StandardOutput.ReadToEnd();
        shell.WaitForExit(60_000);

        Assert.Contains("exec timeout -k 5 40 sh -c \"$s\" arena-deep-check", command);
        Assert.Contains("STAGE download\nWARN download nothing downloaded (curl exit ", stdout);
        Assert.EndsWith("DONE\n", stdout);
        Assert.False(File.Exists(planted));
    }
}
