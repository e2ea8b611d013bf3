using System.Text.Json;
using ArenaInfra.Health;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// Export-ArenaStatusPage against sshd pods: up only for the pod whose real sshd greeted, a pod whose
/// sshd was stopped is starting (it has run for seconds only), a stopped pod down; the last deep
/// check from health.json; nothing written for an empty pipeline, -WhatIf, a confirmation nobody can
/// give, or a link at the target.
/// </summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class StatusPageCommandTests : IClassFixture<SshSandbox>, IDisposable
{
    private const string HostileName = "camp-<img src=x onerror=alert(1)><script>alert(2)</script>";

    private readonly SshSandbox _ssh;
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars = new();
    private readonly string _page;

    public StatusPageCommandTests(SshSandbox ssh)
    {
        _ssh = ssh;
        _page = Path.Combine(_dir.Path, "www", "arena");
        _vars["page"] = _page;
        if (ssh.SkipReason != null) return;
        ssh.Sandbox!.Reset();
        var key = SshCamp.CopyKey(Path.Combine(_dir.Path, "test_ed25519"));
        _vars["key"] = CampFleet.Secure(Sandbox.ApiKey);
        _vars["cfg"] = SshCamp.Config(_dir, ssh.Sandbox, key, machines: "(alpha bravo charlie)");
    }

    public void Dispose()
    {
        _host.Dispose();
        _dir.Dispose();
    }

    private HostResult Run(string script) =>
        _host.Run("$cfg = Import-ArenaConfig $cfg -NoDefault\n$PSDefaultParameterValues = @{ '*-Arena*:Config' = $cfg; '*-Arena*:ApiKey' = $key }\n" +
                  $"try {{ {script} }} catch {{ $_ }}", _vars);

    private string Seed(Sandbox sandbox, string name, string status) =>
        sandbox.SeedPod(JsonSerializer.Serialize(new { name, desiredStatus = status, gpuCount = 1, costPerHr = 0.4321 }));

    [SkippableFact]
    public void Up_only_where_the_sshd_greeted_with_the_last_deep_check_and_nothing_private()
    {
        var sandbox = _ssh.Require();
        var alpha = Seed(sandbox, "camp-alpha", "RUNNING");
        var bravo = Seed(sandbox, "camp-bravo", "RUNNING");
        var hostile = Seed(sandbox, HostileName, "EXITED");
        var pods = Run("Get-ArenaPod -WarningAction Ignore").Output.OfType<ArenaPod>().ToList();
        Assert.Equal(3, pods.Count);
        Assert.All(pods.Where(p => p.Id != hostile), p => Assert.NotNull(p.SshPort));
        sandbox.Sshd(bravo, "stop");
        var checkedAt = DateTimeOffset.UtcNow.AddHours(-2);
        HealthStore.Open().Record(new HealthRecord { PodId = alpha, Name = "camp-alpha", Verdict = "WARN", CheckedAt = checkedAt, Reason = "download: slow from 127.0.0.1", MachineId = "m1" });

        var result = Run("Export-ArenaStatusPage -Path $page -ProbeTimeoutSec 2");

        Assert.Empty(result.Errors);
        var written = Assert.Single(result.Output.OfType<ArenaStatusPageResult>());
        Assert.Equal((3, 1, 1, 1), (written.Machines, written.Up, written.Starting, written.Down));
        Assert.Equal(_page, written.Path);
        Assert.Equal(Path.Combine(_page, "status.json"), written.StatusPath);
        Assert.Equal(Path.Combine(_page, "index.html"), written.PagePath);
        Assert.InRange(DateTimeOffset.UtcNow - written.WrittenAt, TimeSpan.Zero, TimeSpan.FromSeconds(30));

        var json = File.ReadAllText(written.StatusPath);
        var page = File.ReadAllText(written.PagePath);
        using var document = JsonDocument.Parse(json);
        Assert.Equal(written.WrittenAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"), document.RootElement.GetProperty("written").GetString());
        var machines = document.RootElement.GetProperty("machines").EnumerateArray()
            .ToDictionary(m => m.GetProperty("machine").GetString()!, m => (State: m.GetProperty("state").GetString(), Check: m.GetProperty("check").ToString(), At: m.GetProperty("checkedAt").ToString()));
        Assert.Equal(("up", "WARN", checkedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'")), machines["alpha"]);
        Assert.Equal(("starting", "", ""), machines["bravo"]);
        Assert.Equal("down", machines["<img src=x onerror=alert(1)><script>alert(2)</script>"].State);
        foreach (var secret in pods.Select(p => p.Id).Concat(pods.Where(p => p.SshPort != null).Select(p => p.SshPort!.Value.ToString())).Append("127.0.0.1").Append("0.4321").Append("camp-"))
        {
            Assert.DoesNotContain(secret, json, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, page, StringComparison.Ordinal);
        }
    }

    [SkippableFact]
    public void An_empty_pipeline_WhatIf_and_a_confirmation_nobody_can_give_write_nothing()
    {
        var sandbox = _ssh.Require();
        Seed(sandbox, "camp-alpha", "EXITED");

        var empty = Run("@() | Export-ArenaStatusPage -Path $page");
        var whatIf = Run("Export-ArenaStatusPage -Path $page -WhatIf");
        var confirm = Run("Export-ArenaStatusPage -Path $page -Confirm");

        Assert.Empty(empty.Output);
        Assert.Empty(empty.Errors);
        Assert.Empty(whatIf.Output);
        Assert.Empty(whatIf.Errors);
        Assert.Equal("ConfirmationRequired", confirm.CaughtErrorId);
        Assert.False(Directory.Exists(Path.GetDirectoryName(_page)), "something was written");
    }

    [SkippableFact]
    public void A_link_planted_at_the_target_is_refused_with_its_path()
    {
        var sandbox = _ssh.Require();
        Seed(sandbox, "camp-alpha", "EXITED");
        Directory.CreateDirectory(_page);
        var elsewhere = _dir.Write("elsewhere.json", "{}\n");
        var link = Path.Combine(_page, "status.json");
        File.CreateSymbolicLink(link, elsewhere);

        var result = Run("Export-ArenaStatusPage -Path $page");

        Assert.Equal("StatusPagePathIsLink", result.CaughtErrorId);
        Assert.Equal(link, result.Caught.TargetObject);
        Assert.Contains(link, result.Caught.ToString(), StringComparison.Ordinal);
        Assert.Equal("{}\n", File.ReadAllText(elsewhere));
        Assert.False(File.Exists(Path.Combine(_page, "index.html")));
    }
}
