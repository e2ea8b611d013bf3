using System.Management.Automation;
using System.Security;
using ArenaInfra.Config;
using ArenaInfra.Teardown;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>Test-ArenaTeardown in a hosted runspace against the sandbox; this machine's crontab is never read (the command is the test's).</summary>
[Collection(RunsAloneCollection.Name)]
[Trait("Category", "Sandbox")]
public sealed class TestArenaTeardownTests : IClassFixture<Sandbox>, IDisposable
{
    private readonly Sandbox _sandbox;
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars;
    private readonly string[] _crontabCommand = ScheduledLeftovers.CrontabCommand;
    private readonly string? _dataFolder = Environment.GetEnvironmentVariable("ARENA_INFRA_DATA");
    private readonly bool _onWindows = ScheduledLeftovers.OnWindows;
    private readonly string[] _taskListCommand = ScheduledLeftovers.TaskListCommand;
    private readonly TimeSpan _timeout = ScheduledLeftovers.Timeout;
    private readonly string _keys;

    /// <summary>
    /// The time a request may take, retries included. At 1 s a machine busy with the whole suite missed it now and
    /// then, and a missed request is an Unknown line: the clean-account test failed in full runs only.
    /// </summary>
    private const int RetrySeconds = 10;

    public TestArenaTeardownTests(Sandbox sandbox)
    {
        _sandbox = sandbox;
        _sandbox.Reset();
        // The sandbox's first answers are slow (its code is compiled on first use): paid here, not inside a request's time limit.
        _sandbox.Warm();
        // A data folder of this class's own (it runs alone, so it may set the process's environment):
        // the stored key and participant keys it plants or finds are never another test's.
        Environment.SetEnvironmentVariable("ARENA_INFRA_DATA", Directory.CreateDirectory(Path.Combine(_dir.Path, "data")).FullName);
        _keys = Path.Combine(_dir.Path, "participant-keys");
        Directory.CreateDirectory(_keys);
        var configPath = _dir.Write("config.env",
            $"RUNPOD_API_BASE_URL={_sandbox.Url}\nMACHINE_NAME_LIST=(apple bloom)\nRUNPOD_API_RETRY_MAX_SEC={RetrySeconds}\nRUNPOD_API_MAX_RPS=0\nARENA_PARTICIPANT_KEYS={_keys}\n");
        _vars = new Dictionary<string, object?> { ["configPath"] = configPath, ["key"] = Secure(Sandbox.ApiKey) };
        ScheduledLeftovers.OnWindows = false;
        Crontab("# nothing of ours\n0 3 * * * /usr/bin/backup-photos\n");
        File.Delete(StoredApiKey.Path);
    }

    public void Dispose()
    {
        ScheduledLeftovers.CrontabCommand = _crontabCommand;
        ScheduledLeftovers.OnWindows = _onWindows;
        ScheduledLeftovers.TaskListCommand = _taskListCommand;
        ScheduledLeftovers.Timeout = _timeout;
        File.Delete(StoredApiKey.Path);
        Environment.SetEnvironmentVariable("ARENA_INFRA_DATA", _dataFolder);
        _host.Dispose();
        _dir.Dispose();
    }

    private static SecureString Secure(string text)
    {
        var s = new SecureString();
        foreach (var c in text) s.AppendChar(c);
        return s;
    }

    /// <summary>The crontab the audit reads: this text, through 'cat'.</summary>
    private void Crontab(string text) => ScheduledLeftovers.CrontabCommand = new[] { "cat", _dir.Write("crontab.txt", text) };

    private void Seed(string name, string status) =>
        _sandbox.SeedPod($@"{{""name"":""{name}"",""desiredStatus"":""{status}"",""costPerHr"":0.17,""gpuCount"":1,""machine"":{{""gpuDisplayName"":""RTX A4000""}},""runtime"":null}}");

    private HostResult Run(string script) => _host.Run("$cfg = Import-ArenaConfig $configPath -NoDefault\n" + script, _vars);

    private List<ArenaTeardownCheck> Audit()
    {
        var result = Run("Test-ArenaTeardown -Config $cfg -ApiKey $key");
        Assert.Null(result.Terminating);
        Assert.Empty(result.Errors);
        return result.Output.Cast<ArenaTeardownCheck>().ToList();
    }

    private bool Quiet() => (bool)Run("Test-ArenaTeardown -Config $cfg -ApiKey $key -Quiet").Output.Single()!;

    [Fact]
    public void An_empty_account_and_a_clean_machine_are_all_clear()
    {
        var checks = Audit();

        Assert.All(checks, c => Assert.Equal(ArenaTeardownState.Clear, c.State));
        Assert.All(checks, c => Assert.Equal("\u2713", c.Mark));
        Assert.Equal(Enum.GetValues<ArenaTeardownKind>().OrderBy(k => k), checks.Select(c => c.Kind).Distinct().OrderBy(k => k));
        var quiet = Run("Test-ArenaTeardown -Config $cfg -ApiKey $key -Quiet; Test-ArenaTeardown -Config $cfg -ApiKey $key | Where-Object State -ne Clear | ForEach-Object { \"$($_.Kind) $($_.State): $($_.Detail)\" }").Output;
        Assert.True(Equals(quiet[0], true), "-Quiet said the audit is not clear: " + string.Join("; ", quiet.Skip(1)));
        var summary = Run("Test-ArenaTeardown -Config $cfg -ApiKey $key 6>&1 | Where-Object { $_ -is [System.Management.Automation.InformationRecord] } | ForEach-Object { $_.MessageData }").Output.Single();
        Assert.Equal(0, ((ArenaTeardownSummary)summary!).Left);
        Assert.Equal(0, ((ArenaTeardownSummary)summary!).Unknown);
        Assert.Equal(checks.Count, ((ArenaTeardownSummary)summary!).Clear);
    }

    [Fact]
    public void Every_kind_of_leftover_is_found_with_the_command_that_clears_it()
    {
        Seed("arena-apple", "EXITED");
        Seed("arena-oldbox", "RUNNING");
        Seed("unrelated-pod", "RUNNING");
        var volume = _sandbox.SeedNetworkVolume(new { name = "course-data", size = 50, dataCenter = "EU-RO-1", type = "STANDARD" });
        Crontab("0 7 * * * pwsh -File /home/me/ArenaInfra/examples/Morning-Check.ps1\n# 0 8 * * * pwsh Morning-Check.ps1\n");
        var keyFile = Path.Combine(_keys, "alice_ed25519");
        File.WriteAllText(keyFile, "private");
        StoredApiKey.Save("stored-test-key");

        var checks = Audit();

        var fleet = Assert.Single(checks, c => c.Kind == ArenaTeardownKind.FleetPod);
        Assert.Equal(("arena-apple", ArenaTeardownState.Left, "\u2717"), (fleet.Item, fleet.State, fleet.Mark));
        Assert.Contains("still billing its disk", fleet.Detail);
        Assert.StartsWith("Remove-ArenaPod -Id '", fleet.Fix);
        var other = Assert.Single(checks, c => c.Kind == ArenaTeardownKind.OtherPod);
        Assert.Equal(("arena-oldbox", ArenaTeardownState.Left), (other.Item, other.State));
        Assert.EndsWith("-Force -All", other.Fix);
        var disk = Assert.Single(checks, c => c.Kind == ArenaTeardownKind.NetworkVolume);
        Assert.Equal(("course-data", ArenaTeardownState.Left), (disk.Item, disk.State));
        Assert.Contains(volume, disk.Detail);
        Assert.Contains("v2/network-volumes/" + volume, disk.Fix);
        var cron = Assert.Single(checks, c => c.Kind == ArenaTeardownKind.ScheduledTask);
        Assert.Equal(("crontab line 1", ArenaTeardownState.Left), (cron.Item, cron.State));
        var key = Assert.Single(checks, c => c.Kind == ArenaTeardownKind.ParticipantKey);
        Assert.Equal((keyFile, ArenaTeardownState.Left, $"Remove-Item -LiteralPath '{keyFile}'"), (key.Item, key.State, key.Fix));
        var stored = Assert.Single(checks, c => c.Kind == ArenaTeardownKind.StoredApiKey);
        Assert.Equal((ArenaTeardownState.Left, "Set-ArenaApiKey -Clear"), (stored.State, stored.Fix));
        Assert.Equal(ArenaTeardownState.Clear, Assert.Single(checks, c => c.Kind == ArenaTeardownKind.ProxyForward).State);
        Assert.DoesNotContain(checks, c => c.Item.Contains("unrelated"));
        Assert.False(Quiet());
    }

    [Theory]
    [InlineData("status")]
    [InlineData("slow")]
    public void RunPod_not_answering_makes_the_pod_and_volume_lines_unknown_never_clear(string fault)
    {
        _sandbox.AddFault(new { kind = fault, status = 503, delayMs = 10000, count = 1000 });
        var path = (string)_vars["configPath"]!;
        File.WriteAllText(path, File.ReadAllText(path).Replace($"RUNPOD_API_RETRY_MAX_SEC={RetrySeconds}", "RUNPOD_API_RETRY_MAX_SEC=1") + "RUNPOD_API_TIMEOUT_SEC=2\n");
        var result = Run("Test-ArenaTeardown -Config $cfg -ApiKey $key");
        _sandbox.Reset();
        var checks = result.Output.Cast<ArenaTeardownCheck>().ToList();

        foreach (var kind in new[] { ArenaTeardownKind.FleetPod, ArenaTeardownKind.OtherPod, ArenaTeardownKind.NetworkVolume })
        {
            var line = Assert.Single(checks, c => c.Kind == kind);
            Assert.Equal((ArenaTeardownState.Unknown, "?"), (line.State, line.Mark));
            Assert.Contains("RunPod did not list", line.Detail);
        }
        Assert.All(checks.Where(c => c.Kind == ArenaTeardownKind.StoredApiKey), c => Assert.Equal(ArenaTeardownState.Clear, c.State));
    }

    [Theory]
    [InlineData("malformedJson")]
    [InlineData("errorBody200")]
    public void A_volume_list_that_is_not_a_good_answer_is_unknown_while_the_pods_are_clear(string fault)
    {
        _sandbox.AddFault(new { kind = fault, operation = "rest:ListNetworkVolumes", detail = "internal error", count = 10 });

        var checks = Audit();

        var volumes = Assert.Single(checks, c => c.Kind == ArenaTeardownKind.NetworkVolume);
        Assert.Equal(ArenaTeardownState.Unknown, volumes.State);
        Assert.Equal(ArenaTeardownState.Clear, Assert.Single(checks, c => c.Kind == ArenaTeardownKind.FleetPod).State);
        Assert.False(Quiet());
    }

    [Fact]
    public void Hostile_names_from_the_api_are_shown_terminal_safe()
    {
        Seed("arena-apple\\u001b]0;owned\\u0007\\u001b[2J", "RUNNING");
        _sandbox.SeedNetworkVolume(new { name = "data\u001b[31mred\r\nFAKE \u2713 Clear", size = 10, dataCenter = "EU\u009b1m", type = "STANDARD" });

        var checks = Audit();

        var left = checks.Where(c => c.State == ArenaTeardownState.Left).ToList();
        Assert.Equal(2, left.Count);
        Assert.All(checks, c => Assert.True(TerminalText.IsSafe(c.Item) && TerminalText.IsSafe(c.Detail) && TerminalText.IsSafe(c.Fix), c.ToString()));
        Assert.All(checks, c => Assert.DoesNotContain('\u001b', c.Item + c.Detail + c.Fix));
        Assert.All(checks, c => Assert.DoesNotContain('\n', c.Item + c.Detail + c.Fix));
    }

    [Fact]
    public void A_missing_crontab_is_clear_and_a_failing_one_unknown()
    {
        ScheduledLeftovers.Timeout = TimeSpan.FromSeconds(1);
        ScheduledLeftovers.CrontabCommand = new[] { "sh", "-c", "echo no crontab for tester >&2; exit 1" };
        var missing = Assert.Single(ScheduledLeftovers.CheckAsync(CancellationToken.None).Result);
        Assert.Equal(ArenaTeardownState.Clear, missing.State);

        ScheduledLeftovers.CrontabCommand = new[] { "sh", "-c", "echo cannot open spool >&2; exit 2" };
        var failing = Assert.Single(ScheduledLeftovers.CheckAsync(CancellationToken.None).Result);
        Assert.Equal(ArenaTeardownState.Unknown, failing.State);
        Assert.Contains("cannot open spool", failing.Detail);

        // Output past the cap ends the read at once, even while the other stream stays open.
        ScheduledLeftovers.Timeout = TimeSpan.FromSeconds(30);
        ScheduledLeftovers.CrontabCommand = new[] { "sh", "-c", "yes ArenaInfra" };
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var endless = Assert.Single(ScheduledLeftovers.CheckAsync(CancellationToken.None).Result);
        Assert.Equal(ArenaTeardownState.Unknown, endless.State);
        Assert.Contains("more than", endless.Detail);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"a crontab past the cap took {watch.Elapsed} to refuse");

        ScheduledLeftovers.Timeout = TimeSpan.FromSeconds(1);
        ScheduledLeftovers.CrontabCommand = new[] { "sh", "-c", "exec sleep 30" };
        watch.Restart();
        var hanging = Assert.Single(ScheduledLeftovers.CheckAsync(CancellationToken.None).Result);
        Assert.Equal(ArenaTeardownState.Unknown, hanging.State);
        Assert.Contains("did not finish within 1 s", hanging.Detail);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"a hanging crontab took {watch.Elapsed}");
    }

    /// <summary>A stand-in schtasks: a script in the test's folder that prints what it is given, as schtasks would.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private void Schtasks(string body)
    {
        var script = _dir.Write("schtasks", "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        ScheduledLeftovers.OnWindows = true;
        ScheduledLeftovers.TaskListCommand = new[] { script, "/query", "/fo", "CSV", "/v", "/nh" };
    }

    /// <summary>One row of schtasks /query /fo CSV /v /nh: 28 quoted fields, a quote inside one doubled.</summary>
    private static string TaskRow(string name, string command, string comment = "N/A") =>
        string.Join(",", new[] { "ORGANISER-PC", name, "12/4/2026 7:00:00 PM", "Ready", "Interactive only", "12/3/2026 7:00:00 PM", "0", "ORGANISER-PC\\me",
            command, "N/A", comment, "Enabled", "Disabled", "Stop On Battery Mode", "me", "Disabled", "72:00:00", "Scheduling data is not available in this format.",
            "Daily", "7:00:00 PM", "12/1/2026", "N/A", "Every 1 day(s)", "N/A", "Disabled", "Disabled", "Disabled", "Disabled" }
            .Select(f => "\"" + f.Replace("\"", "\"\"") + "\""));

    [SkippableFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Windows_scheduled_tasks_are_read_from_schtasks_csv_hostile_rows_included()
    {
        // The stand-in schtasks is a shell script: the Windows path is tested where sh runs it.
        Skip.If(OperatingSystem.IsWindows(), "the stand-in schtasks is a shell script");
        var hostileName = "\\Evil\\task\u001b]0;owned\u0007" + new string('x', 5000);
        var rows = string.Join("\r\n", new[]
        {
            TaskRow("\\ArenaInfra\\Evening backup", "pwsh -NoProfile -File \"C:\\course\\ArenaInfra\\examples\\Evening-SaveAndBackup.ps1\""),
            // The same task's second trigger: schtasks /v writes a row for each.
            TaskRow("\\ArenaInfra\\Evening backup", "pwsh -NoProfile -File \"C:\\course\\ArenaInfra\\examples\\Evening-SaveAndBackup.ps1\""),
            TaskRow("\\Microsoft\\Windows\\Defrag\\ScheduledDefrag", "%windir%\\system32\\defrag.exe -c -h -o -$"),
            TaskRow(hostileName, "pwsh -Command \"a\",\"b\", Morning-Check.ps1 \u001b[2J\nFAKE \u2713 Clear", comment: new string('y', 200_000) + "\",\"quoted, commas\""),
        }) + "\r\n";
        var csv = _dir.Write("tasks.csv", rows);
        Schtasks($"cat '{csv}'");

        var checks = ScheduledLeftovers.CheckAsync(CancellationToken.None).Result;

        Assert.Equal(2, checks.Count);
        Assert.All(checks, c => Assert.Equal(ArenaTeardownState.Left, c.State));
        var evening = checks[0];
        Assert.Equal("\\ArenaInfra\\Evening backup", evening.Item);
        Assert.Contains("Evening-SaveAndBackup.ps1", evening.Detail);
        Assert.Equal("Unregister-ScheduledTask -TaskName 'Evening backup' -TaskPath '\\ArenaInfra\\'", evening.Fix);
        var hostile = checks[1];
        Assert.StartsWith("\\Evil\\task?]0;owned?xxx", hostile.Item);
        Assert.True(hostile.Item.Length <= ScheduledLeftovers.MaxShown + 3, $"the hostile name was shown {hostile.Item.Length} characters long");
        Assert.Contains("pwsh -Command \"a\",\"b\", Morning-Check.ps1 ?[2J?FAKE", hostile.Detail);
        Assert.All(checks, c => Assert.True(TerminalText.IsSafe(c.Item) && TerminalText.IsSafe(c.Detail) && TerminalText.IsSafe(c.Fix), c.ToString()));
        Assert.DoesNotContain(checks, c => c.Item.Contains("Defrag"));

        Schtasks("echo 'INFO: There are no scheduled tasks presently available at your access level.'");
        Assert.Equal(ArenaTeardownState.Clear, Assert.Single(ScheduledLeftovers.CheckAsync(CancellationToken.None).Result).State);

        Schtasks("printf '%s\\n' '\"ORGANISER-PC\",\"\\ArenaInfra\\cut off'");
        var torn = Assert.Single(ScheduledLeftovers.CheckAsync(CancellationToken.None).Result);
        Assert.Equal(ArenaTeardownState.Unknown, torn.State);
    }

    [SkippableFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_failing_or_hanging_schtasks_is_unknown_within_its_time_limit()
    {
        // The stand-in schtasks is a shell script: the Windows path is tested where sh runs it.
        Skip.If(OperatingSystem.IsWindows(), "the stand-in schtasks is a shell script");
        Schtasks("echo 'ERROR: Access is denied.' >&2; exit 1");
        var failing = Assert.Single(ScheduledLeftovers.CheckAsync(CancellationToken.None).Result);
        Assert.Equal((ArenaTeardownState.Unknown, "?"), (failing.State, failing.Mark));
        Assert.Contains("Access is denied", failing.Detail);

        ScheduledLeftovers.Timeout = TimeSpan.FromSeconds(1);
        Schtasks("exec sleep 30");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var hanging = Assert.Single(ScheduledLeftovers.CheckAsync(CancellationToken.None).Result);
        Assert.Equal(ArenaTeardownState.Unknown, hanging.State);
        Assert.Contains("did not finish", hanging.Detail);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"a hanging schtasks took {watch.Elapsed}");

        ScheduledLeftovers.TaskListCommand = new[] { Path.Combine(_dir.Path, "no-such-schtasks") };
        Assert.Equal(ArenaTeardownState.Unknown, Assert.Single(ScheduledLeftovers.CheckAsync(CancellationToken.None).Result).State);
    }

    [Fact]
    public void An_unreachable_proxy_is_unknown_and_a_forward_still_in_its_config_is_left()
    {
        File.AppendAllText((string)_vars["configPath"]!, "SSH_PROXY_HOST=127.0.0.1\nSSH_PROXY_SSH_PORT=1\n");
        var result = Run("Test-ArenaTeardown -Config $cfg -ApiKey $key -ProxyKeyPath (Join-Path $configPath '..' 'no-such-key')");
        var proxy = Assert.Single(result.Output.Cast<ArenaTeardownCheck>(), c => c.Kind == ArenaTeardownKind.ProxyForward);
        Assert.Equal(ArenaTeardownState.Unknown, proxy.State);

        var forwards = ProxyForwards.FromText("upstream arena_apple { server 203.0.113.5:22101; }\nserver { listen 2201; proxy_pass arena_apple; }\n", "~/proxy.conf");
        var forward = Assert.Single(forwards);
        Assert.Equal(("arena_apple", ArenaTeardownState.Left), (forward.Item, forward.State));
        Assert.Contains("203.0.113.5:22101", forward.Detail);
        Assert.Equal(ArenaTeardownState.Clear, Assert.Single(ProxyForwards.FromText("# nothing\n", "~/proxy.conf")).State);
        Assert.Equal(ArenaTeardownState.Clear, Assert.Single(ProxyForwards.FromText(null, "~/proxy.conf")).State);
    }

    [Fact]
    public void Ctrl_C_stops_the_audit_while_RunPod_is_slow()
    {
        _sandbox.AddFault(new { kind = "slow", delayMs = 30000, count = 10 });
        var (wasRunning, stopTook, state) = PowerShellHost.StopAfter(
            $"$c = Import-ArenaConfig '{_vars["configPath"]}' -NoDefault; Test-ArenaTeardown -Config $c -ApiKey (ConvertTo-SecureString '{Sandbox.ApiKey}' -AsPlainText -Force)",
            TimeSpan.FromSeconds(2));
        _sandbox.Reset();

        Assert.True(wasRunning, "the audit ended by itself");
        Assert.True(stopTook < TimeSpan.FromSeconds(3), $"stopping took {stopTook}");
        Assert.Equal(PSInvocationState.Stopped, state);
    }
}
