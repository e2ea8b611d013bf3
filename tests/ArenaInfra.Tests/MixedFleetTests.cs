using System.Security;
using System.Text.Json.Nodes;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// A fleet of a RunPod pod (the sandbox's) and two machines made by hand (ARENA_HOSTS), which are real
/// sshd's on 127.0.0.1 (two sandbox pods outside the fleet lend theirs), through the daily walk: the
/// list, the ssh config, the proxy, the test, the set-up, a backup and its restore reach the machines
/// made by hand as they reach RunPod's; and the lifecycle commands refuse those machines before
/// anything is sent to anyone.
/// </summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class MixedFleetTests : IClassFixture<SshSandbox>, IDisposable
{
    private readonly SshSandbox _ssh;
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars = new();
    private readonly Dictionary<string, (string Id, int Port)> _boxes = new();
    private string _fleetConf = "";

    public MixedFleetTests(SshSandbox ssh)
    {
        _ssh = ssh;
        if (ssh.SkipReason != null) return;
        var sandbox = ssh.Sandbox!;
        sandbox.Reset();
        // Each test lends the machines fresh sshd's, so fresh host keys: an earlier test's record of them would be a mismatch, rightly.
        File.Delete(Path.Combine(ssh.DataDir!.Path, "pod_host_keys.json"));
        var shared = SshCamp.CopyKey(Path.Combine(_dir.Path, "shared"));
        var organiser = Path.Combine(_dir.Path, "organiser");
        File.Copy(RepoPaths.Fixture("keys/test_rsa"), organiser);
        File.SetUnixFileMode(organiser, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var organiserKey = File.ReadAllText(RepoPaths.Fixture("keys/test_rsa.pub")).Trim();
        var origin = Path.Combine(_dir.Path, "origin.git");
        GitRepo.MakeOrigin(origin, Path.Combine(_dir.Path, "seed"));

        // The shared key opens the fleet's pods, as New-ArenaPod would have set it, and the machines made by hand, as their owner did.
        var sharedKey = File.ReadAllText(shared + ".pub").Trim();
        sandbox.SeedPod($@"{{""name"":""camp-alpha"",""desiredStatus"":""RUNNING"",""gpuCount"":1,""env"":[""PUBLIC_KEY={sharedKey}""]}}");
        foreach (var box in new[] { "box-one", "box-two" })
        {
            var id = sandbox.SeedPod($@"{{""name"":""{box}"",""desiredStatus"":""RUNNING"",""env"":[""PUBLIC_KEY={sharedKey}""]}}");
            _boxes[box] = (id, SshPort(sandbox, id));
        }
        var proxy = sandbox.SeedPod($@"{{""name"":""proxybox"",""desiredStatus"":""RUNNING"",""env"":[""PUBLIC_KEY={organiserKey}""]}}");
        _fleetConf = Path.Combine(_dir.Path, "nginx", "fleet.conf");
        var hosts = _dir.Write("hosts.csv",
            "machine,host,port,user,gpu\n" +
            $"lab1,127.0.0.1,{_boxes["box-one"].Port},{Environment.UserName},RTX 4090\n" +
            $"lab2,127.0.0.1,{_boxes["box-two"].Port},{Environment.UserName},\n");
        _vars["key"] = Secure(Sandbox.ApiKey);
        _vars["organiser"] = organiser;
        _vars["backups"] = Path.Combine(_dir.Path, "backups");
        _vars["out"] = Path.Combine(_dir.Path, "fleet.ssh.conf");
        _vars["cfg"] = SshCamp.Config(_dir, sandbox, shared, SshCamp.CourseRepo(origin).Concat(new[]
        {
            $"ARENA_HOSTS={hosts}",
            "SSH_PROXY_HOST=127.0.0.1",
            $"SSH_PROXY_USER={Environment.UserName}",
            $"SSH_PROXY_SSH_PORT={SshPort(sandbox, proxy)}",
            $"SSH_PROXY_NGINX_CONFIG_PATH={_fleetConf}",
            "SSH_PROXY_NGINX_TEST=true",
            "SSH_PROXY_NGINX_RELOAD=true",
        }), machines: "(alpha lab1 lab2)");
    }

    public void Dispose()
    {
        _host.Dispose();
        _dir.Dispose();
    }

    /// <summary>A sandbox pod's SSH port, once its sshd is up.</summary>
    private static int SshPort(Sandbox sandbox, string id)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Sandbox.ApiKey);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var pod = JsonNode.Parse(http.GetStringAsync($"{sandbox.Url}/v2/pods/{id}").Result)!;
            if (pod["ssh"]?["direct"]?["port"] is { } mapped) return mapped.GetValue<int>();
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the pod's sshd did not come up: " + pod.ToJsonString());
            Thread.Sleep(100);
        }
    }

    private static SecureString Secure(string text)
    {
        var s = new SecureString();
        foreach (var c in text) s.AppendChar(c);
        return s;
    }

    private HostResult Run(string script) =>
        _host.Run("$config = Import-ArenaConfig $cfg -NoDefault\n$PSDefaultParameterValues = @{ '*-Arena*:Config' = $config; '*-Arena*:ApiKey' = $key }\n" +
                  $"try {{ {script} }} catch {{ $_ }}", _vars);

    private static void NoErrors(HostResult result) =>
        Assert.True(Failures(result).Count == 0 && result.Terminating == null,
            string.Join("; ", Failures(result).Select(e => e.FullyQualifiedErrorId + ": " + e.Exception.Message)) + result.Terminating?.Message);

    /// <summary>Every error the command wrote, and the terminating one the script caught.</summary>
    private static List<System.Management.Automation.ErrorRecord> Failures(HostResult result) =>
        result.Errors.Concat(result.Output.OfType<System.Management.Automation.ErrorRecord>()).ToList();

    private string Home(string box) => _ssh.Sandbox!.PodHome(_boxes[box].Id);

    [SkippableFact]
    public void The_daily_walk_reaches_the_machines_made_by_hand_as_it_reaches_RunPods()
    {
        var sandbox = _ssh.Require();
        var (one, two) = (_boxes["box-one"].Port, _boxes["box-two"].Port);

        var listed = Run("Get-ArenaPod");
        NoErrors(listed);
        var pods = listed.Output.OfType<ArenaPod>().Where(p => p.IsFleetPod).OrderBy(p => p.Name).ToList();
        Assert.Equal(
            new[] { ("camp-alpha", ArenaProvider.RunPod, ArenaPodStatus.Running), ("camp-lab1", ArenaProvider.Static, ArenaPodStatus.Running), ("camp-lab2", ArenaProvider.Static, ArenaPodStatus.Running) },
            pods.Select(p => (p.Name, p.Provider, p.Status)));
        Assert.Equal(("static-lab1", "127.0.0.1", (int?)one, Environment.UserName, "RTX 4090"), (pods[1].Id, pods[1].PublicIp, pods[1].SshPort, pods[1].SshUser, pods[1].GpuType));

        NoErrors(Run("Export-ArenaSshConfig -Mode Direct -Path $out -Force"));
        var sshConfig = File.ReadAllText((string)_vars["out"]!);
        Assert.Contains($"Host camp-lab1\n    HostName 127.0.0.1\n    Port {one}\n", sshConfig);
        Assert.Contains($"Host camp-lab2\n    HostName 127.0.0.1\n    Port {two}\n", sshConfig);
        Assert.Contains("Host camp-alpha\n", sshConfig);

        NoErrors(Run("Publish-ArenaProxyConfig -ProxyKeyPath $organiser -Force"));
        var nginx = File.ReadAllText(_fleetConf);
        Assert.Contains($"server 127.0.0.1:{one};", nginx);
        Assert.Contains($"server 127.0.0.1:{two};", nginx);
        Assert.Contains($"server 127.0.0.1:{pods[0].SshPort};", nginx);

        // Each command ran on the machine the hosts file names: the sandbox tells its sessions which pod's sshd they are in.
        var tested = Run("Get-ArenaPod | Test-ArenaPod -Command 'echo ran-on-$ARENA_POD_NAME'").Output.OfType<ArenaPodTestResult>().OrderBy(r => r.Name).ToList();
        Assert.All(tested, r => Assert.True(r.Passed, r.Name + ": " + r.Error + " " + r.Stage + " " + r.ExitCode + " [" + r.Output + "]"));
        Assert.Equal(new[] { "ran-on-camp-alpha", "ran-on-box-one", "ran-on-box-two" }, tested.Select(r => r.Output));

        var setUp = Run("Get-ArenaPod | Initialize-ArenaPod -Force").Output.OfType<ArenaPodSetupResult>().ToList();
        Assert.Equal(3, setUp.Count);
        Assert.All(setUp, r => Assert.True(r.Succeeded, r.Error));
        Assert.Equal("MACHINE_NAME=lab1\n", File.ReadAllText(Path.Combine(Home("box-one"), ".name")));
        Assert.Equal("course\n", File.ReadAllText(Path.Combine(Home("box-two"), "course", "README.md")));

        File.WriteAllText(Path.Combine(Home("box-one"), "course", "notes.txt"), "day one\n");
        var backup = Run("Backup-ArenaPod -Name lab1 -Label w1 -Destination $backups").Output.OfType<ArenaPodBackupResult>().Single();
        Assert.True(backup.Succeeded, backup.Error);
        File.Delete(Path.Combine(Home("box-one"), "course", "notes.txt"));
        var restored = Run("Restore-ArenaPod -Name lab1 -Source $backups -Confirm:$false").Output.OfType<ArenaPodRestoreResult>().Single();
        Assert.True(restored.Succeeded, restored.Error);
        Assert.Equal("day one\n", File.ReadAllText(Path.Combine(Home("box-one"), "course", "notes.txt")));

        Assert.DoesNotContain(sandbox.Requests(), r => r.OperationName is "StopPod" or "ResumePod" or "TerminatePod" or "CreatePod");
    }

    [SkippableFact]
    public void A_machine_made_by_hand_is_logged_into_as_its_own_user_whatever_SSH_USER_says()
    {
        _ssh.Require();
        // The sandbox's sshd lets in only this machine's user: the fleet's SSH_USER is someone else, the hosts file says who.
        var config = (string)_vars["cfg"]!;
        _vars["cfg"] = _dir.Write("other-user.env", File.ReadAllText(config).Replace($"SSH_USER={Environment.UserName}\n", "SSH_USER=arena-nobody\n"));
        Assert.NotEqual(File.ReadAllText(config), File.ReadAllText((string)_vars["cfg"]!));

        var tested = Run("Test-ArenaPod -Name alpha, lab1 -Command 'echo ran-on-$ARENA_POD_NAME' -ConnectTimeoutSec 5").Output.OfType<ArenaPodTestResult>().ToDictionary(r => r.Name);

        Assert.True(tested["camp-lab1"].Passed, tested["camp-lab1"].Error);
        Assert.Equal("ran-on-box-one", tested["camp-lab1"].Output);
        Assert.Equal(ArenaTestStage.Authenticate, tested["camp-alpha"].Stage);
        Assert.Contains("for user 'arena-nobody'", tested["camp-alpha"].Error);
    }

    [SkippableFact]
    public void New_ArenaPod_Provider_Static_is_refused_before_anything_is_asked_listed_or_sent()
    {
        var sandbox = _ssh.Require();
        var before = sandbox.Requests().Count;

        // No -Force: a refusal that came only after the question would stop at the question here.
        var result = Run("New-ArenaPod -Count 1 -Provider Static");

        var refusal = Assert.Single(Failures(result));
        Assert.True(refusal.FullyQualifiedErrorId.StartsWith(ArenaErrorIds.NotSupportedByProvider, StringComparison.Ordinal), refusal.FullyQualifiedErrorId);
        Assert.Contains("made by hand", refusal.Exception.Message);
        Assert.Contains("ARENA_HOSTS", refusal.Exception.Message + refusal.ErrorDetails?.RecommendedAction);
        Assert.Empty(sandbox.Requests().Skip(before));
    }

    [SkippableFact]
    public void Each_lifecycle_command_refuses_a_machine_made_by_hand_before_anything_is_sent()
    {
        var sandbox = _ssh.Require();
        var homeBefore = Directory.GetFileSystemEntries(Home("box-one"), "*", SearchOption.AllDirectories).Order().ToList();

        foreach (var command in new[] { "Stop-ArenaPod -Name lab1 -AllowDataLoss -Force", "Start-ArenaPod -Name lab1 -Force", "Remove-ArenaPod -Name lab2 -Force", "New-ArenaPod -Name lab1 -Force" })
        {
            var before = sandbox.Requests().Count;

            var result = Run(command);

            var refusal = Assert.Single(Failures(result));
            Assert.True(refusal.FullyQualifiedErrorId.StartsWith(ArenaErrorIds.NotSupportedByProvider, StringComparison.Ordinal), command + ": " + refusal.FullyQualifiedErrorId);
            Assert.Contains("made by hand", refusal.Exception.Message);
            Assert.Contains("ARENA_HOSTS", refusal.Exception.Message + refusal.ErrorDetails?.RecommendedAction);
            Assert.DoesNotContain(sandbox.Requests().Skip(before), r => r.OperationName is "StopPod" or "ResumePod" or "TerminatePod" or "CreatePod");
        }
        Assert.Equal(homeBefore, Directory.GetFileSystemEntries(Home("box-one"), "*", SearchOption.AllDirectories).Order().ToList());
        Assert.Equal(3, Run("Get-ArenaPod").Output.OfType<ArenaPod>().Count(p => p.IsFleetPod && p.Status == ArenaPodStatus.Running));
    }
}
