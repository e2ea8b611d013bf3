using System.Security;
using ArenaInfra.Teardown;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// Test-ArenaTeardown reading a live proxy's fleet config over SSH: the proxy machine is a sandbox pod
/// outside the fleet whose sshd trusts the organiser's own key (as in the proxy's Pester tests), and
/// its nginx commands are stand-ins, so only the file the audit reads matters.
/// </summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class TeardownProxyTests : IClassFixture<SshSandbox>, IDisposable
{
    private readonly SshSandbox _ssh;
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars = new();
    private readonly string[] _crontabCommand = ScheduledLeftovers.CrontabCommand;
    private string _proxyId = "";
    private string _fleetConf = "";

    public TeardownProxyTests(SshSandbox ssh)
    {
        _ssh = ssh;
        if (ssh.SkipReason != null) return;
        var sandbox = ssh.Sandbox!;
        sandbox.Reset();
        // This machine's crontab is never read: an empty one stands in.
        ScheduledLeftovers.CrontabCommand = new[] { "cat", _dir.Write("crontab.txt", "") };
        var shared = SshCamp.CopyKey(Path.Combine(_dir.Path, "shared"));
        var organiser = Path.Combine(_dir.Path, "organiser");
        File.Copy(RepoPaths.Fixture("keys/test_rsa"), organiser);
        File.SetUnixFileMode(organiser, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var publicKey = File.ReadAllText(RepoPaths.Fixture("keys/test_rsa.pub")).Trim();
        _proxyId = sandbox.SeedPod($@"{{""name"":""proxybox"",""desiredStatus"":""RUNNING"",""costPerHr"":0.01,""env"":[""PUBLIC_KEY={publicKey}""]}}");
        var port = ProxyPort(sandbox);
        _fleetConf = Path.Combine(_dir.Path, "nginx", "fleet.conf");
        _vars["organiser"] = organiser;
        _vars["cfg"] = SshCamp.Config(_dir, sandbox, shared, new[]
        {
            "SSH_PROXY_HOST=127.0.0.1",
            $"SSH_PROXY_USER={Environment.UserName}",
            $"SSH_PROXY_SSH_PORT={port}",
            $"SSH_PROXY_NGINX_CONFIG_PATH={_fleetConf}",
            "SSH_PROXY_NGINX_TEST=true",
            "SSH_PROXY_NGINX_RELOAD=true",
            $"ARENA_PARTICIPANT_KEYS={Path.Combine(_dir.Path, "participant-keys")}",
        });
    }

    /// <summary>The proxy pod's SSH port, once its sshd is up.</summary>
    private int ProxyPort(Sandbox sandbox)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Sandbox.ApiKey);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var pod = System.Text.Json.Nodes.JsonNode.Parse(http.GetStringAsync($"{sandbox.Url}/v2/pods/{_proxyId}").Result)!;
            if (pod["ssh"]?["direct"]?["port"] is { } mapped) return mapped.GetValue<int>();
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the proxy pod's sshd did not come up: " + pod.ToJsonString());
            Thread.Sleep(100);
        }
    }

    public void Dispose()
    {
        ScheduledLeftovers.CrontabCommand = _crontabCommand;
        _host.Dispose();
        _dir.Dispose();
    }

    private static SecureString Secure(string text)
    {
        var s = new SecureString();
        foreach (var c in text) s.AppendChar(c);
        return s;
    }

    private HostResult Run(string script)
    {
        _vars["key"] = Secure(Sandbox.ApiKey);
        _vars.TryAdd("cfg", SshCamp.Config(_dir, _ssh.Sandbox!, "unused", name: "bare.env"));
        return _host.Run("$config = Import-ArenaConfig $cfg -NoDefault\n$PSDefaultParameterValues = @{ '*-Arena*:Config' = $config; '*-Arena*:ApiKey' = $key }\n" + script, _vars);
    }

    private List<ArenaTeardownCheck> ProxyLines()
    {
        var result = Run("Test-ArenaTeardown -ProxyKeyPath $organiser");
        NoErrors(result);
        return result.Output.Cast<ArenaTeardownCheck>().Where(c => c.Kind == ArenaTeardownKind.ProxyForward).ToList();
    }

    private static void NoErrors(HostResult result) =>
        Assert.True(result.Errors.Count == 0 && result.Terminating == null, string.Join("; ", result.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e.Exception.Message)) + result.Terminating?.Message);

    private void Seed(string name) =>
        _ssh.Sandbox!.SeedPod($@"{{""name"":""{name}"",""desiredStatus"":""RUNNING"",""costPerHr"":0.17,""gpuCount"":1,""machine"":{{""gpuDisplayName"":""RTX A4000""}}}}");

    [SkippableFact]
    public void Each_forward_the_live_proxy_still_has_is_left_and_none_is_clear_once_published_empty_or_removed()
    {
        _ssh.Require();
        Seed("camp-alpha");
        Seed("camp-bravo");
        var published = Run("Publish-ArenaProxyConfig -ProxyKeyPath $organiser -Force");
        NoErrors(published);
        Assert.Contains("upstream camp_alpha", File.ReadAllText(_fleetConf));

        var left = ProxyLines();

        Assert.Equal(new[] { "camp_alpha", "camp_bravo" }, left.Select(c => c.Item).OrderBy(i => i, StringComparer.Ordinal));
        Assert.All(left, c => Assert.Equal((ArenaTeardownState.Left, "\u2717"), (c.State, c.Mark)));
        Assert.All(left, c => Assert.Contains("the proxy still forwards to 127.0.0.1:", c.Detail));
        Assert.All(left, c => Assert.StartsWith("Publish-ArenaProxyConfig", c.Fix));

        // The fleet removed and the proxy told: nothing forwards.
        NoErrors(Run("Remove-ArenaPod -Name camp-alpha, camp-bravo -Force"));
        NoErrors(Run("Publish-ArenaProxyConfig -ProxyKeyPath $organiser -Force"));
        var published0 = Assert.Single(ProxyLines());
        Assert.Equal(ArenaTeardownState.Clear, published0.State);

        // Or the file removed by hand on the proxy (what nginx last reloaded is on record beside it).
        Seed("camp-alpha");
        NoErrors(Run("Publish-ArenaProxyConfig -ProxyKeyPath $organiser -Force"));
        Assert.Equal(ArenaTeardownState.Left, Assert.Single(ProxyLines()).State);
        File.Delete(_fleetConf);
        var removed = Assert.Single(ProxyLines());
        Assert.Equal((ArenaTeardownState.Clear, "the proxy has no fleet config"), (removed.State, removed.Detail));
    }

    [SkippableFact]
    public void A_proxy_that_does_not_answer_or_shows_another_host_key_is_unknown_never_clear()
    {
        var sandbox = _ssh.Require();
        // The proxy's key goes on record with a first, good read.
        Assert.Equal(ArenaTeardownState.Clear, Assert.Single(ProxyLines()).State);

        sandbox.Sshd(_proxyId, "rekey");
        var impostor = Assert.Single(ProxyLines());
        Assert.Equal((ArenaTeardownState.Unknown, "?"), (impostor.State, impostor.Mark));
        Assert.Contains("host key", impostor.Detail, StringComparison.OrdinalIgnoreCase);

        sandbox.Sshd(_proxyId, "stop");
        var gone = Assert.Single(ProxyLines());
        Assert.Equal(ArenaTeardownState.Unknown, gone.State);
        Assert.Contains("could not be read", gone.Detail);
    }
}
