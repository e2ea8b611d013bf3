using System.Diagnostics;
using System.Management.Automation;
using System.Text.Json;
using ArenaInfra.Access;
using ArenaInfra.Backup;
using ArenaInfra.Common;
using ArenaInfra.Config;
using ArenaInfra.Operations;
using ArenaInfra.Pods;
using ArenaInfra.Proxy;
using ArenaInfra.RunPod;
using ArenaInfra.Ssh;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// Attacks from the API's side: names and addresses anyone with access to the account can set, and
/// an API that stalls or never stops sending. Each is run as the attack and asserts the safe outcome.
/// </summary>
[Collection("sandbox")]
public sealed class UntrustedApiInputTests : IDisposable
{
    private const string EvilName = "camp-evil\nHost *\n    ProxyCommand sh -c 'touch /tmp/arena-pwned'";
    private const string EvilAddress = "127.0.0.1\nMatch all\n    ProxyCommand sh -c 'touch /tmp/arena-pwned'";

    private readonly Sandbox _sandbox;
    private readonly CampFleet _fleet;
    private readonly PowerShellHost _host = new();

    public UntrustedApiInputTests(Sandbox sandbox)
    {
        _sandbox = sandbox;
        _fleet = new CampFleet(sandbox, "alpha", "evil", "ipevil", "quote");
        _sandbox.Reset();
        Seed("camp-alpha", "127.0.0.1");
        Seed(EvilName, "127.0.0.1");
        Seed("camp-ipevil", EvilAddress);
        Seed("camp-quote\"x", "127.0.0.1");
    }

    public void Dispose()
    {
        _host.Dispose();
        _fleet.Dispose();
    }

    private void Seed(string name, string ip) => _sandbox.SeedPod(JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["name"] = name, ["desiredStatus"] = "RUNNING",
        ["runtime"] = new { uptimeInSeconds = 100, ports = new[] { new { ip, isIpPublic = true, privatePort = 22, publicPort = 2222, type = "tcp" } } },
    }));

    private static void NothingInjected(string text)
    {
        Assert.DoesNotContain("ProxyCommand", text);
        Assert.DoesNotContain("Match", text);
        Assert.DoesNotContain("arena-pwned", text);
        Assert.DoesNotContain("quote\"", text);
    }

    [Fact]
    public void Hostile_names_and_addresses_never_reach_an_ssh_config_and_each_is_named_in_a_warning()
    {
        var result = _fleet.Run(_host, "Export-ArenaSshConfig -Mode Direct -Path (Join-Path $dir direct.conf); Get-Content -Raw (Join-Path $dir direct.conf)");

        var text = Assert.IsType<string>(result.Output.Last());
        NothingInjected(text);
        Assert.Contains("Host camp-alpha\n    HostName 127.0.0.1\n    Port 2222", text);
        Assert.Equal(3, result.Warnings.Count(w => w.Contains("is left out")));
        Assert.Contains(result.Warnings, w => w.Contains("camp-evil?Host *?") && w.Contains("not a host-name label"));
        Assert.Contains(result.Warnings, w => w.Contains("camp-ipevil") && w.Contains("neither an IP address nor a host name"));

        // The real ssh client reads the file, and what it does for a host is exactly what we wrote.
        var ssh = new[] { "/usr/bin/ssh", "/usr/local/bin/ssh" }.FirstOrDefault(File.Exists);
        if (ssh == null) return;
        var info = new ProcessStartInfo(ssh) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-G", "-F", Path.Combine(_fleet.Dir.Path, "direct.conf"), "github.com" }) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var options = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        Assert.DoesNotContain("proxycommand", options);
        Assert.Contains("hostname github.com", options);
    }

    [Fact]
    public void Hostile_names_and_addresses_never_reach_the_nginx_config_or_a_participant_kit()
    {
        var nginx = _fleet.Run(_host, "Export-ArenaNginxConfig");
        var text = Assert.IsType<string>(Assert.Single(nginx.Output));
        NothingInjected(text);
        Assert.Contains("upstream camp_alpha { server 127.0.0.1:2222; }", text);
        Assert.DoesNotContain("\nHost", text);

        _fleet.Run(_host, "Export-ArenaParticipantKit -Path (Join-Path $dir kit)");
        var kit = File.ReadAllText(Path.Combine(_fleet.Dir.Path, "kit", "camp.conf"));
        NothingInjected(kit);
        Assert.Contains("Host camp-alpha", kit);
    }

    [Fact]
    public void An_SSH_command_never_connects_to_a_hostile_address_and_says_why()
    {
        var result = _fleet.Run(_host, "Test-ArenaPod -Name ipevil -Command true -ConnectTimeoutSec 2");

        var only = Assert.Single(result.Output.OfType<ArenaPodTestResult>());
        Assert.False(only.Passed);
        Assert.Equal("InvalidPodName", only.ErrorId);
        Assert.Null(only.Endpoint);
        Assert.Contains("neither an IP address nor a host name", only.Error);
    }

    [Fact]
    public void A_config_value_with_a_line_break_is_refused_where_it_is_read()
    {
        var json = _fleet.Dir.Write("evil.json", JsonSerializer.Serialize(new Dictionary<string, object> { ["SshUser"] = "root\nHost *\n  ProxyCommand touch /tmp/arena-pwned", ["Prefix"] = "camp" }));
        _fleet.Variables["evilJson"] = json;

        var result = _host.Run("try { Import-ArenaConfig $evilJson -NoDefault -ErrorAction Stop } catch { $_ }", _fleet.Variables);

        Assert.Equal("InvalidConfigValue", result.CaughtErrorId);
        Assert.Contains("SSH_USER", result.Caught.Exception.Message);
        Assert.DoesNotContain("ProxyCommand", result.Caught.Exception.Message);
    }

    [Fact]
    public void An_API_that_sends_headers_and_then_stalls_ends_at_the_deadline_and_can_be_stopped()
    {
        _sandbox.AddFault(new { kind = "stallBody", count = 100 });
        var options = new RunPodClientOptions(new Uri(_sandbox.Url + "/"), Sandbox.ApiKey, "ArenaInfra/test")
        {
            RequestTimeout = TimeSpan.FromSeconds(1), RetryBudget = TimeSpan.FromSeconds(3), RetryBaseDelay = TimeSpan.FromMilliseconds(50),
        };
        var api = RunPodApiFactory.Create("rest", options, new PodMapper(new FleetNaming("camp"), new ProxyPortPlan(16000, new[] { "alpha" })));
        var clock = Stopwatch.StartNew();

        var error = Assert.ThrowsAsync<ArenaException>(() => api.ListPodsAsync(CancellationToken.None)).GetAwaiter().GetResult();

        Assert.Equal("ApiUnreachable", error.ErrorId);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"took {clock.Elapsed}");

        // And Ctrl+C ends it at once, inside a cmdlet.
        _sandbox.Reset();
        _sandbox.AddFault(new { kind = "stallBody", count = 100 });
        var (wasRunning, stopTook, state) = PowerShellHost.StopAfter(
            $"$cfg = Import-ArenaConfig '{_fleet.Variables["configPath"]}' -NoDefault; Get-ArenaPod -Config $cfg -ApiKey (ConvertTo-SecureString '{Sandbox.ApiKey}' -AsPlainText -Force)",
            TimeSpan.FromSeconds(1.5));
        Assert.True(wasRunning);
        Assert.True(stopTook < TimeSpan.FromSeconds(3), $"stopping took {stopTook}");
        Assert.Equal(PSInvocationState.Stopped, state);
    }

    [Fact]
    public void An_API_answer_that_never_ends_is_cut_at_the_size_cap_without_filling_memory()
    {
        _sandbox.AddFault(new { kind = "endlessBody", count = 1 });
        var options = new RunPodClientOptions(new Uri(_sandbox.Url + "/"), Sandbox.ApiKey, "ArenaInfra/test") { RequestTimeout = TimeSpan.FromSeconds(60), RetryBudget = TimeSpan.FromSeconds(60) };
        var api = RunPodApiFactory.Create("rest", options, new PodMapper(new FleetNaming("camp"), new ProxyPortPlan(16000, new[] { "alpha" })));
        var before = GC.GetTotalMemory(forceFullCollection: true);

        var error = Assert.ThrowsAsync<ArenaException>(() => api.ListPodsAsync(CancellationToken.None)).GetAwaiter().GetResult();

        Assert.Equal("InvalidResponse", error.ErrorId);
        Assert.Contains("larger than 16 MB", error.Message);
        Assert.True(GC.GetTotalMemory(forceFullCollection: true) - before < 64L * 1024 * 1024);
    }

    [Fact]
    public void Escape_sequences_from_a_pod_never_reach_the_terminal_in_the_live_GPU_view()
    {
        var text = GpuTable.Render(new[]
        {
            new ArenaGpuStatus { Name = "camp-alpha", Index = 0, Model = "A4000\u001b]52;c;ZXZpbA==\u0007", UtilizationPercent = 5, MemoryUsedGB = 1, MemoryTotalGB = 16 },
            new ArenaGpuStatus { Name = "camp-bravo", Responding = false, Error = "boom\u001b[2J\u001b[H" },
        }, DateTime.UnixEpoch);

        Assert.DoesNotContain('\u001b', text);
        Assert.DoesNotContain('\u0007', text);
        Assert.Contains("A4000?]52;c;ZXZpbA==?", text);
    }

    [Theory]
    [InlineData("", false)]
    [InlineData("..", false)]
    [InlineData("a/b", false)]
    [InlineData("a\\b", false)]
    [InlineData("c:evil", false)]
    [InlineData("line\nbreak", false)]
    [InlineData("trailing.", false)]
    [InlineData("notes.md", true)]
    [InlineData(".bashrc", true)]
    public void Remote_file_names_that_could_leave_their_folder_are_refused(string name, bool allowed) =>
        Assert.Equal(allowed, UntrustedValue.FileNameProblem(name) == null);

    [Fact]
    public void A_local_path_built_from_remote_names_stays_under_its_root()
    {
        var root = _fleet.Dir.Path;
        Assert.StartsWith(root, UntrustedValue.PathUnder(root, new[] { "camp-alpha", "notes.md" }));
        Assert.Throws<ArgumentException>(() => UntrustedValue.PathUnder(root, new[] { "..", "etc" }));
        Assert.Throws<ArgumentException>(() => UntrustedValue.PathUnder(root, new[] { "camp-x/../../../../home/organiser" }));
        Assert.Throws<ArgumentException>(() => UntrustedValue.PathUnder(root, new[] { "a\\..\\..\\b" }));
    }
}

/// <summary>
/// Attacks from a pod's side (its participants have root): file names, nesting, output and host keys
/// it controls, against real sshd pods. Each asserts the safe outcome.
/// </summary>
[Collection("ssh")]
public sealed class UntrustedPodInputTests : IDisposable
{
    private readonly SshSandbox _ssh;
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars = new();

    public UntrustedPodInputTests(SshSandbox ssh)
    {
        _ssh = ssh;
        if (ssh.SkipReason != null) return;
        ssh.Sandbox!.Reset();
        File.Copy(RepoPaths.Fixture("keys/test_ed25519"), Path.Combine(_dir.Path, "shared"));
        File.Copy(RepoPaths.Fixture("keys/test_ed25519.pub"), Path.Combine(_dir.Path, "shared.pub"));
        _vars["key"] = CampFleet.Secure(Sandbox.ApiKey);
        _vars["cfg"] = _dir.Write("camp.env", string.Join("\n",
            $"RUNPOD_API_BASE_URL={ssh.Sandbox.Url}",
            $"SHARED_SSH_KEY_PATH={Path.Combine(_dir.Path, "shared")}",
            $"SSH_USER={Environment.UserName}",
            "MACHINE_NAME_PREFIX=camp",
            "MACHINE_NAME_LIST=(alpha bravo)",
            "RUNPOD_API_MAX_RPS=0",
            ""));
        _vars["dest"] = Path.Combine(_dir.Path, "backup");
    }

    public void Dispose()
    {
        _host.Dispose();
        _dir.Dispose();
    }

    private HostResult Run(string script) =>
        _host.Run("$config = Import-ArenaConfig $cfg -NoDefault\n$PSDefaultParameterValues = @{ '*-Arena*:Config' = $config; '*-Arena*:ApiKey' = $key }\n" + script, _vars);

    private string Home(string name) => _ssh.Sandbox!.PodHome(Run($"(Get-ArenaPod -Name {name}).Id").Output.Cast<string>().Single());

    [SkippableFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Backup_keeps_going_past_names_no_disk_can_keep_and_endless_nesting_and_stays_inside_its_folder()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        var home = Home("alpha");
        File.WriteAllText(Path.Combine(home, "good.txt"), "kept");
        File.WriteAllText(Path.Combine(home, "back\\slash"), "a name with a path separator on Windows");
        File.WriteAllText(Path.Combine(home, "colon:name"), "a drive on Windows");
        File.WriteAllText(Path.Combine(home, new string('n', 250)), "a long but legal name");
        var deep = home;
        for (var i = 0; i < 40; i++) deep = Path.Combine(deep, "d");
        Directory.CreateDirectory(deep);
        File.WriteAllText(Path.Combine(deep, "bottom.txt"), "too deep");
        var secret = Path.Combine(home, "keys.env");
        File.WriteAllText(secret, "OPENAI_API_KEY=sk-x");
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var result = Run("Backup-ArenaPod -Label w1 -Destination $dest").Output.OfType<ArenaPodBackupResult>().Single();

        Assert.True(result.Succeeded, result.Error);
        var local = Path.Combine(_dir.Path, "backup", "w1", "camp-alpha");
        Assert.Equal("kept", File.ReadAllText(Path.Combine(local, "good.txt")));
        Assert.True(File.Exists(Path.Combine(local, new string('n', 250))));
        Assert.Contains(result.Skipped, s => s.Path == "back\\slash" && s.Reason.Contains("path separator"));
        Assert.Contains(result.Skipped, s => s.Path == "colon:name");
        Assert.Contains(result.Skipped, s => s.Reason.Contains("nested deeper than"));
        Assert.False(File.Exists(Path.Combine(deep.Replace(home, local), "bottom.txt")));
        // Never more open than on the pod, and the backup folders are the owner's only.
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(local, "keys.env")) & (UnixFileMode)0x1FF);
        Assert.Equal((UnixFileMode)0, File.GetUnixFileMode(local) & (UnixFileMode)0x3F);
        Assert.DoesNotContain(Directory.GetFiles(_dir.Path, "*", SearchOption.AllDirectories), f => !f.StartsWith(Path.Combine(_dir.Path, "backup")) && !f.StartsWith(_dir.Path + "/shared") && !f.EndsWith("camp.env"));
    }

    [SkippableFact]
    public void A_pod_named_to_climb_out_of_the_backup_folder_is_refused_before_anything_is_written()
    {
        var sandbox = _ssh.Require();
        var id = sandbox.SeedPod(JsonSerializer.Serialize(new { name = "camp-x/../../../../../../tmp/arena-escape", desiredStatus = "RUNNING", env = new[] { "PUBLIC_KEY=" + File.ReadAllText(Path.Combine(_dir.Path, "shared.pub")).Trim() } }));

        var result = Run("Backup-ArenaPod -Name * -Label w1 -Destination $dest").Output.OfType<ArenaPodBackupResult>().Single();

        Assert.False(result.Succeeded);
        Assert.Equal("InvalidPodName", result.ErrorId);
        Assert.False(Directory.Exists("/tmp/arena-escape"));
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, "backup", "w1", "camp-x")));
        Assert.NotNull(id);
    }

    [SkippableFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_pod_whose_SFTP_server_stalls_ends_at_the_backup_deadline_and_the_other_pods_are_backed_up()
    {
        var sandbox = _ssh.Require();
        Run("New-ArenaPod -Count 2 -Force | Out-Null; Get-ArenaPod | Wait-ArenaPod | Out-Null");
        File.WriteAllText(Path.Combine(Home("bravo"), "work.txt"), "bravo's work");
        // No GNU tar on alpha, so its backup goes over SFTP, and its SFTP server stalls.
        var tar = Path.Combine(Path.GetDirectoryName(Home("alpha"))!, "bin", "tar");
        File.WriteAllText(tar, "#!/bin/sh\nexit 127\n");
        File.SetUnixFileMode(tar, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        sandbox.Sshd(Run("(Get-ArenaPod -Name alpha).Id").Output.Cast<string>().Single(), "stallsftp");
        var clock = Stopwatch.StartNew();

        var results = Run("Backup-ArenaPod -Label w1 -Destination $dest -TimeoutSec 5").Output.OfType<ArenaPodBackupResult>().ToDictionary(r => r.Name);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        Assert.False(results["camp-alpha"].Succeeded);
        Assert.True(results["camp-bravo"].Succeeded, results["camp-bravo"].Error);
        Assert.Equal("bravo's work", File.ReadAllText(Path.Combine(_dir.Path, "backup", "w1", "camp-bravo", "work.txt")));
    }

    [SkippableFact]
    public void A_pod_that_prints_without_end_costs_bounded_memory_and_says_what_was_cut()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");

        var result = Run("Invoke-ArenaPodCommand -Name alpha -Command 'head -c 60000000 /dev/zero | tr \"\\0\" x; echo; echo the-end'").Output.OfType<ArenaCommandResult>().Single();

        Assert.Equal(0, result.ExitCode);
        Assert.True(result.StdOut.Length < CappedOutput.HeadBytes + CappedOutput.TailBytes + 200, $"kept {result.StdOut.Length} characters");
        Assert.Contains("bytes of output cut", result.StdOut);
        Assert.EndsWith("the-end\n", result.StdOut);
    }

    [SkippableFact]
    public void An_impostor_on_a_later_SFTP_connection_is_refused_as_the_first_would_be()
    {
        var sandbox = _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null; Get-ArenaPod | Wait-ArenaPod | Out-Null");
        var options = new RunPodClientOptions(new Uri(sandbox.Url + "/"), Sandbox.ApiKey, "ArenaInfra/test");
        var api = RunPodApiFactory.Create("rest", options, new PodMapper(new FleetNaming("camp"), new ProxyPortPlan(16000, new[] { "alpha" })));
        var pod = api.ListPodsAsync(CancellationToken.None).GetAwaiter().GetResult().Single();
        var settings = new SshSettings(SshKey.Load(Path.Combine(_dir.Path, "shared"), null), HostKeyStore.Open(), new RecordingLog()) { HostKeyPolicy = ArenaHostKeyPolicy.AcceptNew };
        using var connection = SshPodConnection.Open(SshTarget.Direct(pod, Environment.UserName)!, settings, CancellationToken.None);
        Assert.Equal(0, connection.Run("true", TimeSpan.FromSeconds(10), CancellationToken.None).ExitCode);

        // Another machine answers the same address now, with another host key, and the pod has not restarted.
        sandbox.Sshd(pod.Id, "rekey");

        var refused = Assert.Throws<SshStageException>(() => connection.OpenSftp(TimeSpan.FromSeconds(10), CancellationToken.None));
        Assert.Equal(ArenaTestStage.HostKey, refused.Stage);
        Assert.Equal("HostKeyMismatch", refused.ErrorId);
        var upload = Assert.Throws<SshStageException>(() => connection.Upload(new MemoryStream(new byte[] { 1 }), "/tmp/arena-deploy-key", 600, CancellationToken.None));
        Assert.Equal(ArenaTestStage.HostKey, upload.Stage);
        settings.Key.Dispose();
    }
}

/// <summary>The smaller holes of the untrusted-input list, each as its attack.</summary>
public sealed class UntrustedInputUnitTests
{
    [Fact]
    public void A_key_cut_off_at_the_end_of_a_message_is_still_redacted()
    {
        const string key = "rpa_SECRETSECRETSECRET1234567890";
        var body = new string('x', 190) + key;

        var shown = RunPodErrors.Start(body, key);

        Assert.DoesNotContain("SECRETSEC", shown);
        Assert.DoesNotContain("rpa_SECRE", shown);
        Assert.Equal("left ***", Secrets.Redact("left " + key.Substring(0, 12), key));
        // A short chance match is left alone: only a start of 8 characters or more is taken for the key.
        Assert.Equal("left rpa_", Secrets.Redact("left rpa_", key));
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    public void An_emptied_host_key_store_is_damage_not_an_empty_list_of_keys(string content)
    {
        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, "pod_host_keys.json"), content);

        var error = Assert.Throws<ArenaException>(() => HostKeyStore.Open(dir.Path));

        Assert.Equal("HostKeyStoreInvalid", error.ErrorId);
    }

    [Fact]
    public void A_host_key_store_that_is_a_folder_is_an_error_at_once()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(Path.Combine(dir.Path, "pod_host_keys.json"));

        var error = Assert.Throws<ArenaException>(() => HostKeyStore.Open(dir.Path));

        Assert.Equal("HostKeyStoreInvalid", error.ErrorId);
        Assert.Contains("is a folder", error.Message);
    }

    [Fact]
    public void Installing_keeps_a_symlinked_ssh_config_a_link_and_writes_where_it_points()
    {
        if (OperatingSystem.IsWindows()) return;
        using var home = new TempDir();
        var ssh = Path.Combine(home.Path, ".ssh");
        Directory.CreateDirectory(ssh);
        var dotfiles = Path.Combine(home.Path, "dotfiles-ssh-config");
        File.WriteAllText(dotfiles, "Host mine\n    HostName example.org\n");
        File.CreateSymbolicLink(Path.Combine(ssh, "config"), dotfiles);

        new SshConfigInstallation(ssh, "camp").Install("Host camp-*\n    User root\n");

        Assert.NotNull(new FileInfo(Path.Combine(ssh, "config")).LinkTarget);
        Assert.Contains("Include", File.ReadAllText(dotfiles));
        Assert.Contains("Host mine", File.ReadAllText(dotfiles));
    }

    [Fact]
    public void A_pod_whose_address_is_a_host_name_stays_out_of_the_nginx_config_so_publishing_never_depends_on_it_resolving()
    {
        var good = Pod("camp-alpha", "alpha", "127.0.0.1");
        var named = Pod("camp-bravo", "bravo", "no-such-host.invalid");
        var refused = new List<string>();

        var text = NginxConfigRenderer.Render(new NginxConfigOptions { Prefix = "camp" }, new[] { good, named }, new ProxyPortPlan(16000, new[] { "alpha", "bravo" }), _ => { }, refused.Add);

        Assert.Contains("upstream camp_alpha", text);
        Assert.DoesNotContain("no-such-host", text);
        Assert.Contains(refused, r => r.Contains("camp-bravo") && r.Contains("host name"));
    }

    [Fact]
    public void A_plain_http_API_base_on_another_machine_gets_a_warning()
    {
        using var dir = new TempDir();
        ArenaConfig Config(string url) => ConfigLoader.LoadFile(dir.Write(Guid.NewGuid().ToString("N") + ".env", $"RUNPOD_API_BASE_URL={url}\nRUNPOD_API_KEY=k\n"), ArenaConfigOrigin.Parameter, new List<string>());
        var log = new RecordingLog();

        RunPodClientOptions.From(Config("http://api.example.org"), "ua", log);

        Assert.Contains(log.Lines, l => l.StartsWith("WARNING: ") && l.Contains("unencrypted"));
        var local = new RecordingLog();
        RunPodClientOptions.From(Config("http://127.0.0.1:8080"), "ua", local);
        Assert.DoesNotContain(local.Lines, l => l.StartsWith("WARNING: "));
    }

    private static ArenaPod Pod(string name, string machine, string ip) => new()
    {
        Id = name + "-id", Name = name, MachineName = machine, IsFleetPod = true, Status = ArenaPodStatus.Running, PublicIp = ip, SshPort = 2222,
    };
}

/// <summary>The stored API key (not on Windows, where DPAPI guards it): a file others can read is not used.</summary>
[Collection("ssh")]
public sealed class StoredKeyPermissionTests
{
    [Fact]
    public void A_stored_key_other_users_can_read_is_refused_with_what_to_do()
    {
        if (OperatingSystem.IsWindows()) return;
        var path = StoredApiKey.Path;
        var existed = File.Exists(path) ? File.ReadAllBytes(path) : null;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, "rpa_readable_by_all");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

            var error = Assert.Throws<ArenaException>(() => StoredApiKey.Load());

            Assert.Equal("StoredApiKeyUnreadable", error.ErrorId);
            Assert.Contains("other users can read it (mode 644)", error.Message);
            Assert.DoesNotContain("rpa_readable_by_all", error.Message);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            Assert.Equal("rpa_readable_by_all", StoredApiKey.Load());
        }
        finally
        {
            if (existed == null) File.Delete(path);
            else File.WriteAllBytes(path, existed);
        }
    }
}

/// <summary>A file a pod declares small but sends without end writes no more than the cap.</summary>
public sealed class CappedDownloadTests
{
    [Fact]
    public void Bytes_past_the_cap_are_refused_as_they_arrive()
    {
        using var sink = new MemoryStream();
        var capped = new BackupFolder.CappedStream(sink, 1024);
        var chunk = new byte[300];

        capped.Write(chunk, 0, chunk.Length);
        capped.Write(chunk, 0, chunk.Length);
        capped.Write(chunk, 0, chunk.Length);
        var error = Assert.Throws<IOException>(() => capped.Write(chunk, 0, chunk.Length));

        Assert.Contains("it was left out", error.Message);
        Assert.Equal(900, sink.Length);
    }
}
