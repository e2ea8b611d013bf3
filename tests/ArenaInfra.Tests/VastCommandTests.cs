using System.Security;
using ArenaInfra.Config;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>New-, Stop-, Start- and Remove-ArenaPod reaching Vast.ai through the fleet, against the Vast double, with the key stored as an organiser stores it.</summary>
[Collection(DataFolderCollection.Name)]
public sealed class VastCommandTests : IDisposable
{
    private readonly VastDouble _vast = new();
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars = new();

    public VastCommandTests()
    {
        var key = SshCamp.CopyKey(Path.Combine(_dir.Path, "shared"));
        string Config(string name, string providers, int retrySec = 2) => _dir.Write(name, string.Join("\n", new[]
        {
            $"SHARED_SSH_KEY_PATH={key}",
            "MACHINE_NAME_PREFIX=camp",
            "MACHINE_NAME_LIST=(alpha bravo)",
            $"ARENA_PROVIDERS={providers}",
            $"VAST_API_URL={_vast.Url}",
            "VAST_MAX_PRICE_PER_HOUR=0.40",
            $"RUNPOD_API_RETRY_MAX_SEC={retrySec}",
            // Nothing of these tests may reach the real RunPod: a closed port on this machine.
            "RUNPOD_API_BASE_URL=http://127.0.0.1:9",
            "",
        }));
        _vars["cfg"] = Config("vast.env", "Vast");
        _vars["runpodOnly"] = Config("runpod.env", "RunPod");
        // No retries: a silent provider is then silent at once, not after the retry budget.
        _vars["noRetry"] = Config("no-retry.env", "Vast", retrySec: 0);
        var secure = new SecureString();
        foreach (var c in VastDouble.ApiKey) secure.AppendChar(c);
        _vars["vastKey"] = secure;
        var stored = _host.Run("Set-ArenaApiKey -Service Vast -ApiKey $vastKey", _vars);
        Assert.Empty(stored.Errors);
    }

    public void Dispose()
    {
        StoredApiKey.Clear(ApiKeyService.Vast);
        _host.Dispose();
        _vast.Dispose();
        _dir.Dispose();
    }

    private HostResult Run(string script, string config = "$cfg") =>
        _host.Run($"$config = Import-ArenaConfig {config} -NoDefault\n$PSDefaultParameterValues = @{{ '*-Arena*:Config' = $config }}\n" +
                  $"try {{ {script} }} catch {{ $_ }}", _vars);

    [Fact]
    public void A_pod_made_stopped_started_and_removed_on_Vast_through_the_same_commands()
    {
        _vast.SeedOffer(11, "RTX A4000", 1, 500, 0.30);
        _vast.SeedOffer(12, "RTX A4000", 1, 500, 0.25);

        var made = Run("New-ArenaPod -Name alpha -Provider Vast -Force");

        var pod = Assert.IsType<ArenaPod>(Assert.Single(made.Output));
        Assert.Equal((ArenaProvider.Vast, "camp-alpha", "alpha"), (pod.Provider, pod.Name, pod.MachineName));
        Assert.Equal("/api/v0/asks/12/", Assert.Single(_vast.Requests(), r => r.Path.StartsWith("/api/v0/asks/", StringComparison.Ordinal)).Path);
        var id = long.Parse(pod.Id["vast-".Length..]);
        Assert.Contains(File.ReadAllText(Path.Combine(_dir.Path, "shared.pub")).Trim(), _vast.KeysOf(id));

        var stopped = Run("Stop-ArenaPod -Name alpha -Force; (Get-ArenaPod -Name alpha).Status");
        Assert.Equal(ArenaPodStatus.Stopped, Assert.Single(stopped.Output));
        var started = Run("Start-ArenaPod -Name alpha -Force; (Get-ArenaPod -Name alpha).Status");
        Assert.Equal(ArenaPodStatus.Running, Assert.Single(started.Output));
        var removed = Run("Remove-ArenaPod -Name alpha -Force; @(Get-ArenaPod -Name alpha).Count");

        Assert.Equal(0, Assert.Single(removed.Output));
        Assert.Null(_vast.Instance(id));
    }

    [Fact]
    public void Provider_Vast_outside_the_fleets_providers_is_refused_before_anything_is_sent()
    {
        _vast.SeedOffer(21, "RTX A4000", 1, 500, 0.25);

        var refused = Run("New-ArenaPod -Name alpha -Provider Vast -Force -ApiKey (ConvertTo-SecureString 'rp-key' -AsPlainText -Force)", "$runpodOnly");

        var error = Assert.IsType<System.Management.Automation.ErrorRecord>(Assert.Single(refused.Output));
        Assert.Equal(ArenaErrorIds.NotSupportedByProvider, error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Empty(_vast.Requests());
    }

    [Fact]
    public void A_silent_Vast_leaves_its_machines_Unknown_with_their_forwards_kept_and_nothing_stopped()
    {
        _vast.SeedOffer(31, "RTX A4000", 1, 500, 0.25, publicIp: "203.0.113.31", sshPort: 41031);
        var made = Run("$null = New-ArenaPod -Name alpha -Provider Vast -Force; (Get-ArenaPod -Name alpha).Status");
        Assert.Equal(ArenaPodStatus.Running, Assert.Single(made.Output));

        _vast.Dispose();
        var listed = Run("$p = Get-ArenaPod -Name alpha; $p.Status; $p.ProviderProblem; Export-ArenaNginxConfig | Out-String\n" +
            "Stop-ArenaPod -Name alpha -Force -AllowDataLoss -ErrorVariable refused -ErrorAction SilentlyContinue; $refused[0].FullyQualifiedErrorId\n" +
            "(Test-ArenaTeardown | Where-Object Item -eq 'camp-alpha').State", "$noRetry");

        Assert.Equal(ArenaPodStatus.Unknown, listed.Output[0]);
        Assert.StartsWith("Vast did not answer (ApiUnreachable)", (string)listed.Output[1]!);
        Assert.Contains("server 203.0.113.31:41031;", (string)listed.Output[2]!);
        Assert.Contains(listed.Warnings, w => w.StartsWith("Vast did not answer", StringComparison.Ordinal));
        Assert.Equal(ArenaErrorIds.ProviderUnavailable, ((string)listed.Output[3]!).Split(',')[0]);
        Assert.Equal(ArenaTeardownState.Unknown, listed.Output[4]);
    }
}
