using ArenaInfra.Operations;
using ArenaInfra.Ssh;
using Xunit;

namespace ArenaInfra.Tests;

public sealed class SshUnitTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private static readonly HostKeyRecord Recorded = new() { Fingerprint = "SHA256:old", KeyType = "ssh-ed25519", RecordedAt = Now.AddHours(-2) };

    [Theory]
    [InlineData(ArenaHostKeyPolicy.AcceptNew, false, "SHA256:new", null, "AcceptAndRecord")]
    [InlineData(ArenaHostKeyPolicy.Strict, false, "SHA256:new", null, "RejectUnknown")]
    [InlineData(ArenaHostKeyPolicy.AcceptNew, true, "SHA256:old", 10.0, "Accept")]
    [InlineData(ArenaHostKeyPolicy.AcceptNew, true, "SHA256:new", 3.0, "RejectChanged")]   // up 3 h: older than the record
    [InlineData(ArenaHostKeyPolicy.AcceptNew, true, "SHA256:new", 1.0, "AcceptChangedAfterRestart")] // up 1 h: restarted since
    [InlineData(ArenaHostKeyPolicy.AcceptNew, true, "SHA256:new", null, "RejectChanged")]  // uptime unknown: no benefit of the doubt
    [InlineData(ArenaHostKeyPolicy.Strict, true, "SHA256:new", 1.0, "RejectChanged")]
    [InlineData(ArenaHostKeyPolicy.Ignore, true, "SHA256:new", 3.0, "Accept")]
    public void Host_key_decisions(ArenaHostKeyPolicy policy, bool hasRecord, string fingerprint, double? uptimeHours, string expected)
    {
        var pod = new ArenaPod { Uptime = uptimeHours is double h ? TimeSpan.FromHours(h) : null, RetrievedAt = Now };
        Assert.Equal(Enum.Parse<HostKeyVerdict>(expected), HostKeyVerifier.Decide(policy, hasRecord ? Recorded : null, fingerprint, HostKeyVerifier.StartedAt(pod)));
    }

    [Fact]
    public void Uptime_counts_back_from_when_RunPod_reported_it_with_a_second_to_spare()
    {
        var pod = new ArenaPod { Uptime = TimeSpan.FromSeconds(60), RetrievedAt = Now };
        Assert.Equal(Now.AddSeconds(-61), HostKeyVerifier.StartedAt(pod));
        Assert.Null(HostKeyVerifier.StartedAt(new ArenaPod { RetrievedAt = Now }));
    }

    [Fact]
    public void The_default_check_runs_in_the_conda_env_and_requires_the_gpu()
    {
        var command = PodCheck.Command("arena-env");
        // RunPod's images keep conda in /opt/conda; elsewhere the one on PATH, and none at all is said so.
        Assert.StartsWith("if [ -x /opt/conda/bin/conda ]; then conda=/opt/conda/bin/conda; else conda=$(command -v conda) || { echo ARENA-NO-CONDA >&2; exit 127; }; fi\n", command);
        Assert.Contains("exec \"$conda\" run --no-capture-output -n 'arena-env' python3 -c '", command);
        Assert.Contains("torch.cuda.is_available()", command);
        Assert.Contains("device=\"cuda\"", command);
        Assert.Contains("torch.cuda.synchronize()", command);
    }

    [Fact]
    public void Check_output_is_parsed_and_a_cpu_only_pod_does_not_pass()
    {
        var good = PodCheck.Parse("torch 2.4.1+cu121\ncuda True\ngpu NVIDIA RTX A4000\ncompute ok\n");
        Assert.Equal(("2.4.1+cu121", (bool?)true, "NVIDIA RTX A4000", true), good);

        var cpuOnly = PodCheck.Parse("torch 2.4.1\ncuda False\n");
        Assert.False(cpuOnly.CudaAvailable);
        Assert.False(cpuOnly.ComputeOk);
        Assert.Null(cpuOnly.GpuName);
    }

    [Fact]
    public void Shell_quoting_survives_single_quotes()
    {
        Assert.Equal("'it'\"'\"'s'", PodCheck.ShellQuote("it's"));
    }

    [Fact]
    public void The_host_key_store_merges_with_what_another_process_saved()
    {
        using var dir = new Support.TempDir();
        var first = HostKeyStore.Open(dir.Path);
        var second = HostKeyStore.Open(dir.Path);
        first.Put("pod-a", new HostKeyRecord { Fingerprint = "SHA256:a", RecordedAt = Now });
        second.Put("pod-b", new HostKeyRecord { Fingerprint = "SHA256:b", RecordedAt = Now });
        first.Save();
        second.Save();

        var reopened = HostKeyStore.Open(dir.Path);
        Assert.Equal("SHA256:a", reopened.Get("pod-a")!.Fingerprint);
        Assert.Equal("SHA256:b", reopened.Get("pod-b")!.Fingerprint);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
    }

    [Fact]
    public void A_damaged_host_key_store_is_a_clear_error()
    {
        using var dir = new Support.TempDir();
        dir.Write("pod_host_keys.json", "{ not json");
        var error = Assert.Throws<ArenaException>(() => HostKeyStore.Open(dir.Path));
        Assert.Equal("HostKeyStoreInvalid", error.ErrorId);
    }
}
