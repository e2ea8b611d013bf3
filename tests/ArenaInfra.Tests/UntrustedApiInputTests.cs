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
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
public sealed class UntrustedApiInputTests : IClassFixture<Sandbox>, IDisposable
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
