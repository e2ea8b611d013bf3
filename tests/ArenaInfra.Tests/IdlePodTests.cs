using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Security;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// Get-ArenaIdlePod against sshd pods: sessions planted as a second SSH connection held open, file
/// times planted with touch -d in the pod's home, GPU use planted through the stand-in nvidia-smi.
/// A pod is a candidate only when every reading says idle; unknown is never idle.
/// </summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
[Trait(TestShard.Trait, TestShard.Second)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class IdlePodTests : IClassFixture<SshSandbox>, IDisposable
{
    private readonly SshSandbox _ssh;
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars = new();
    private readonly List<Process> _sessions = new();
    private string _key = "";

    public IdlePodTests(SshSandbox ssh)
    {
        _ssh = ssh;
        if (ssh.SkipReason != null) return;
        ssh.Sandbox!.Reset();
        _key = SshCamp.CopyKey(Path.Combine(_dir.Path, "test_ed25519"));
        _vars["key"] = Secure(Sandbox.ApiKey);
        _vars["cfg"] = SshCamp.Config(_dir, ssh.Sandbox, _key, machines: "(alpha bravo charlie delta)");
    }

    public void Dispose()
    {
        foreach (var session in _sessions)
        {
            if (!session.HasExited) session.Kill();
            session.Dispose();
        }
        _host.Dispose();
        _dir.Dispose();
    }

    private static SecureString Secure(string text)
    {
        var s = new SecureString();
        foreach (var c in text) s.AppendChar(c);
        return s;
    }

    private HostResult Run(string script) =>
        _host.Run("$cfg = Import-ArenaConfig $cfg -NoDefault\n$PSDefaultParameterValues = @{ '*-Arena*:Config' = $cfg; '*-Arena*:ApiKey' = $key }\n" + script, _vars);

    /// <summary>Hours the tests ask for: under this machine's uptime (a pod's uptime is its host's here), at most 6.</summary>
    private static double Hours()
    {
        var up = double.Parse(File.ReadAllText("/proc/uptime").Split(' ')[0], CultureInfo.InvariantCulture) / 3600;
        Skip.If(up < 0.2, "this machine started under 12 minutes ago: a pod's uptime here cannot say idle");
        return Math.Min(6, Math.Round(up * 0.8, 2));
    }

    private Dictionary<string, ArenaIdlePodReport> Reports(HostResult result) => result.Output.OfType<ArenaIdlePodReport>().ToDictionary(r => r.Name);

    private ArenaPod Pod(string name) => Run($"Get-ArenaPod -Name {name}").Output.OfType<ArenaPod>().Single();

    private string PodDir(Sandbox sandbox, string name) => Path.GetDirectoryName(sandbox.PodHome(Pod(name).Id))!;

    /// <summary>Every file and folder in the pod's home dated a day back.</summary>
    private void Age(Sandbox sandbox, string name)
    {
        using var touch = Process.Start(new ProcessStartInfo("sh", new[] { "-c", "find \"$0\" -exec touch -h -d '1 day ago' {} +", sandbox.PodHome(Pod(name).Id) }) { UseShellExecute = false })!;
        touch.WaitForExit();
        Assert.Equal(0, touch.ExitCode);
    }

    /// <summary>A participant's session: a second SSH connection to the pod, held open.</summary>
    private void HoldSession(Sandbox sandbox, string name)
    {
        var pod = Pod(name);
        var before = sandbox.Logins(pod.Id);
        var info = new ProcessStartInfo("ssh", new[]
        {
            "-i", _key, "-p", pod.SshPort!.Value.ToString(CultureInfo.InvariantCulture), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", $"{Environment.UserName}@127.0.0.1", "sleep 120",
        })
        { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        _sessions.Add(Process.Start(info)!);
        var clock = Stopwatch.StartNew();
        while (sandbox.Logins(pod.Id) <= before && clock.Elapsed < TimeSpan.FromSeconds(15)) Thread.Sleep(100);
        Assert.True(sandbox.Logins(pod.Id) > before, "the planted session did not log in");
        Thread.Sleep(500);
    }

    [SkippableFact]
    public void Only_the_pod_where_every_reading_says_idle_is_a_candidate()
    {
        var sandbox = _ssh.Require();
        var hours = Hours();
        Run("New-ArenaPod -Name alpha, bravo, charlie, delta -Force | Out-Null");
        foreach (var name in new[] { "alpha", "bravo", "charlie", "delta" }) Age(sandbox, name);
        HoldSession(sandbox, "bravo");
        File.WriteAllText(Path.Combine(sandbox.PodHome(Pod("charlie").Id), "train.py"), "print('fresh')\n");
        File.WriteAllText(Path.Combine(PodDir(sandbox, "delta"), "gpu-use"), "87, 5000\n");

        var result = Run($"Get-ArenaIdlePod -Hours {hours.ToString(CultureInfo.InvariantCulture)}");
        var reports = Reports(result);

        Assert.Equal(4, reports.Count);
        var alpha = reports["camp-alpha"];
        Assert.True(alpha.Succeeded, alpha.Error);
        Assert.Equal(ArenaIdleVerdict.Idle, alpha.Verdict);
        Assert.True(alpha.Candidate);
        Assert.Equal(0, alpha.SshSessions);
        Assert.Equal(0, alpha.InboundConnections);
        Assert.Equal(0, alpha.VsCodeProcesses);
        Assert.Equal(0, alpha.GpuUtilizationPercent);
        Assert.True(alpha.HoursSinceFileChange.HasValue, alpha.Why);
        Assert.InRange(alpha.HoursSinceFileChange!.Value, 23.5, 24.5);
        Assert.Equal(Pod("alpha").CostPerHour, alpha.CostPerHour);
        var id = Pod("alpha").Id;
        Assert.Equal(new[] { $"Save-ArenaPodWork -Id '{id}'", $"Backup-ArenaPod -Id '{id}'", $"Stop-ArenaPod -Id '{id}'" }, alpha.Commands);

        var bravo = reports["camp-bravo"];
        Assert.Equal(ArenaIdleVerdict.Busy, bravo.Verdict);
        Assert.Equal(1, bravo.SshSessions);
        Assert.Contains("SSH sessions: 1", bravo.Reasons);
        Assert.Empty(bravo.Commands);

        var charlie = reports["camp-charlie"];
        Assert.Equal(ArenaIdleVerdict.Busy, charlie.Verdict);
        Assert.InRange(charlie.HoursSinceFileChange!.Value, 0, 0.1);
        Assert.Contains(charlie.Reasons, r => r.StartsWith("a file changed 0 h ago", StringComparison.Ordinal));

        var delta = reports["camp-delta"];
        Assert.Equal(ArenaIdleVerdict.Busy, delta.Verdict);
        Assert.Equal(87, delta.GpuUtilizationPercent);
        Assert.Equal(5000, delta.GpuMemoryUsedMiB);
        Assert.False(delta.Candidate);

        var only = Run($"Get-ArenaIdlePod -Hours {hours.ToString(CultureInfo.InvariantCulture)} -CandidatesOnly").Output.OfType<ArenaIdlePodReport>().ToList();
        Assert.Equal(new[] { "camp-alpha" }, only.Select(r => r.Name));
    }

    [SkippableFact]
    public void A_pod_that_does_not_answer_or_is_stopped_or_answers_too_late_is_Unknown_never_idle()
    {
        var sandbox = _ssh.Require();
        var hours = Hours();
        Run("New-ArenaPod -Name alpha, bravo, charlie -Force | Out-Null");
        foreach (var name in new[] { "alpha", "bravo", "charlie" }) Age(sandbox, name);
        sandbox.Sshd(Pod("alpha").Id, "stop");
        Assert.Empty(Run("Stop-ArenaPod -Name bravo -Force -AllowDataLoss | Out-Null").Errors);
        var smi = Path.Combine(PodDir(sandbox, "charlie"), "bin", "nvidia-smi");
        File.WriteAllText(smi, "#!/bin/sh\nsleep 60\n");
        File.SetUnixFileMode(smi, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var reports = Reports(Run($"Get-ArenaIdlePod -Hours {hours.ToString(CultureInfo.InvariantCulture)} -ConnectTimeoutSec 3 -TimeoutSec 10"));

        Assert.Equal(3, reports.Count);
        Assert.All(reports.Values, r =>
        {
            Assert.Equal(ArenaIdleVerdict.Unknown, r.Verdict);
            Assert.False(r.Candidate);
            Assert.False(r.Succeeded);
            Assert.Empty(r.Commands);
        });
        Assert.StartsWith("no answer: ", reports["camp-alpha"].Why);
        Assert.Equal("PodNotRunning", reports["camp-bravo"].ErrorId);
        Assert.Equal("Probe", reports["camp-charlie"].FailedStep);
        Assert.Contains("did not finish within 10 s", reports["camp-charlie"].Error);
    }

    [SkippableFact]
    public void Hostile_GPU_answers_leave_the_reading_unknown_and_the_text_terminal_safe()
    {
        var sandbox = _ssh.Require();
        var hours = Hours();
        Run("New-ArenaPod -Name alpha, bravo -Force | Out-Null");
        Age(sandbox, "alpha");
        Age(sandbox, "bravo");
        File.WriteAllText(Path.Combine(PodDir(sandbox, "alpha"), "gpu-use"), "99999999999999999999999, 1\n");
        File.WriteAllText(Path.Combine(PodDir(sandbox, "bravo"), "gpu-use"), "\u001b[2J0, 3\nSSH 0\nARENA-IDLE-END fake\n");

        var reports = Reports(Run($"Get-ArenaIdlePod -Hours {hours.ToString(CultureInfo.InvariantCulture)}"));

        foreach (var report in reports.Values)
        {
            Assert.Equal(ArenaIdleVerdict.Unknown, report.Verdict);
            Assert.Null(report.GpuUtilizationPercent);
            Assert.Contains("GPU use unknown", report.Reasons);
            Assert.All(report.Reasons, r => Assert.True(TerminalText.IsSafe(r), r));
        }
    }

    [SkippableFact]
    public void An_empty_pipeline_probes_nothing_and_Ctrl_C_stops_the_probe()
    {
        var sandbox = _ssh.Require();
        Run("New-ArenaPod -Name alpha -Force | Out-Null");
        var before = sandbox.Logins(Pod("alpha").Id);

        var empty = Run("@() | Get-ArenaIdlePod");

        Assert.Empty(empty.Output.OfType<ArenaIdlePodReport>());
        Assert.Empty(empty.Errors);
        Assert.Equal(before, sandbox.Logins(Pod("alpha").Id));

        var smi = Path.Combine(PodDir(sandbox, "alpha"), "bin", "nvidia-smi");
        File.WriteAllText(smi, "#!/bin/sh\nsleep 60\n");
        File.SetUnixFileMode(smi, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var (wasRunning, stopTook, state) = PowerShellHost.StopAfter(
            $"$c = Import-ArenaConfig '{_vars["cfg"]}' -NoDefault; Get-ArenaIdlePod -Config $c -ApiKey (ConvertTo-SecureString '{Sandbox.ApiKey}' -AsPlainText -Force)",
            TimeSpan.FromSeconds(4));

        Assert.True(wasRunning, "the probe ended by itself");
        Assert.True(stopTook < TimeSpan.FromSeconds(5), $"stopping took {stopTook}");
        Assert.Equal(PSInvocationState.Stopped, state);
    }
}
