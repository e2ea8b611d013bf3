using System.Management.Automation;
using System.Security;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// How the commands choose pods (the fleet, -All, names and wildcards, -Status, -ExcludeName, -Id; one
/// name, one pod), in a hosted runspace against the in-memory RunPod: choosing is the module's logic, not HTTP.
/// </summary>
public sealed class PodSelectionTests : IDisposable
{
    private readonly InMemoryRunPodApi _runPod = new("arena", "apple", "autumn", "bloom", "cedar");
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars;

    public PodSelectionTests()
    {
        _runPod.Seed("arena-bloom");
        _runPod.Seed("arena-apple");
        _runPod.Seed("arena-autumn", endpoint: false);
        _runPod.Seed("arena-cedar", "EXITED");
        _runPod.Seed("research-apple");
        var configPath = _dir.Write("config.env", $"RUNPOD_API_BASE_URL={_runPod.Url}\nMACHINE_NAME_LIST=(apple autumn bloom cedar)\nRUNPOD_API_RETRY_MAX_SEC=5\n");
        var key = new SecureString();
        foreach (var c in "in-memory-key") key.AppendChar(c);
        _vars = new Dictionary<string, object?> { ["configPath"] = configPath, ["key"] = key };
    }

    public void Dispose()
    {
        _host.Dispose();
        _dir.Dispose();
        _runPod.Dispose();
    }

    private HostResult Run(string script) => _host.Run("$cfg = Import-ArenaConfig $configPath -NoDefault\n" + script, _vars);

    [Fact]
    public void Lists_only_fleet_pods_sorted_by_name()
    {
        var result = Run("Get-ArenaPod -Config $cfg -ApiKey $key");

        Assert.Empty(result.Errors);
        var pods = result.Output.Cast<ArenaPod>().ToList();
        Assert.Equal(new[] { "arena-apple", "arena-autumn", "arena-bloom", "arena-cedar" }, pods.Select(p => p.Name));
        Assert.Equal(new[] { ArenaPodStatus.Running, ArenaPodStatus.Starting, ArenaPodStatus.Running, ArenaPodStatus.Stopped }, pods.Select(p => p.Status));
        Assert.Equal(new int?[] { 16000, 16001, 16002, 16003 }, pods.Select(p => p.ProxyPort));
    }

    [Fact]
    public void All_includes_other_pods()
    {
        var result = Run("Get-ArenaPod -Config $cfg -ApiKey $key -All");
        Assert.Contains(result.Output.Cast<ArenaPod>(), p => p.Name == "research-apple" && !p.IsFleetPod);
        Assert.Equal(5, result.Output.Count);
    }

    [Fact]
    public void Names_match_machine_or_pod_names_with_wildcards()
    {
        var result = Run("Get-ArenaPod -Config $cfg -ApiKey $key -Name apple, 'arena-b*', 'c*'");
        Assert.Equal(new[] { "arena-apple", "arena-bloom", "arena-cedar" }, result.Output.Cast<ArenaPod>().Select(p => p.Name));
        Assert.Empty(result.Errors);
    }

    [Fact]
    public void A_plain_name_that_matches_nothing_is_PodNotFound_and_the_others_still_come()
    {
        var result = Run("Get-ArenaPod -Config $cfg -ApiKey $key -Name apple, nosuch, 'zz*'");

        Assert.Equal("arena-apple", Assert.Single(result.Output.Cast<ArenaPod>()).Name);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("PodNotFound,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal("nosuch", error.TargetObject);
    }

    [Fact]
    public void Names_bind_from_the_pipeline_and_the_list_is_fetched_once()
    {
        var result = Run("[pscustomobject]@{ Name = 'apple' }, [pscustomobject]@{ Name = 'bloom' } | Get-ArenaPod -Config $cfg -ApiKey $key");

        Assert.Equal(new[] { "arena-apple", "arena-bloom" }, result.Output.Cast<ArenaPod>().Select(p => p.Name));
        Assert.Equal(new[] { "ListPods" }, _runPod.Calls.Select(c => c.Operation));

        // Plain strings are not pods: a binding error each, and no listing of the whole fleet.
        var strings = Run("'apple', 'bloom' | Get-ArenaPod -Config $cfg -ApiKey $key");
        Assert.Empty(strings.Output);
        Assert.All(strings.Errors, e => Assert.StartsWith("InputObjectNotBound", e.FullyQualifiedErrorId));
        Assert.Equal(2, strings.Errors.Count);
    }

    [Fact]
    public void Status_filters()
    {
        var result = Run("Get-ArenaPod -Config $cfg -ApiKey $key -Status Starting, Stopped");
        Assert.Equal(new[] { "arena-autumn", "arena-cedar" }, result.Output.Cast<ArenaPod>().Select(p => p.Name));
    }

    [Fact]
    public void ExcludeName_leaves_pods_out()
    {
        var result = Run("Get-ArenaPod -Config $cfg -ApiKey $key -ExcludeName apple, 'au*', arena-cedar");
        Assert.Equal(new[] { "arena-bloom" }, result.Output.Cast<ArenaPod>().Select(p => p.Name));
    }

    [Fact]
    public void An_id_outside_the_fleet_needs_All()
    {
        var other = Run("Get-ArenaPod -Config $cfg -ApiKey $key -All -Name research-apple").Output.Cast<ArenaPod>().Single();
        _vars["otherId"] = other.Id;

        var refused = Run("Get-ArenaPod -Config $cfg -ApiKey $key -Id $otherId");
        var allowed = Run("Get-ArenaPod -Config $cfg -ApiKey $key -Id $otherId -All");
        var missing = Run("Get-ArenaPod -Config $cfg -ApiKey $key -Id nosuchid");

        Assert.Empty(refused.Output);
        Assert.StartsWith("PodNotInFleet,", Assert.Single(refused.Errors).FullyQualifiedErrorId);
        Assert.Equal("research-apple", Assert.Single(allowed.Output.Cast<ArenaPod>()).Name);
        Assert.StartsWith("PodNotFound,", Assert.Single(missing.Errors).FullyQualifiedErrorId);
    }

    [Fact]
    public void A_name_outside_the_fleet_says_the_pod_exists_there_and_that_All_includes_it()
    {
        var refused = Run("Get-ArenaPod -Config $cfg -ApiKey $key -Name research-apple");
        var allowed = Run("Get-ArenaPod -Config $cfg -ApiKey $key -Name research-apple -All");

        Assert.Empty(refused.Output);
        var error = Assert.Single(refused.Errors);
        Assert.StartsWith("PodNotInFleet,", error.FullyQualifiedErrorId);
        Assert.Contains("research-apple: this pod", error.Exception.Message);
        Assert.Contains("exists, but outside the fleet", error.Exception.Message);
        Assert.Contains("-All", error.ErrorDetails.RecommendedAction);
        Assert.Equal("research-apple", Assert.Single(allowed.Output.Cast<ArenaPod>()).Name);
    }

    [Fact]
    public void Publishing_refuses_a_fleet_with_two_pods_of_one_name_before_reaching_the_proxy()
    {
        _runPod.Seed("arena-apple");
        var key = Path.Combine(_dir.Path, "shared_key");
        File.Copy(RepoPaths.Fixture("keys/test_ed25519"), key);
        File.Copy(RepoPaths.Fixture("keys/test_ed25519.pub"), key + ".pub");
        // A proxy nobody answers at: had the publish gone on, it would fail connecting instead.
        File.AppendAllText((string)_vars["configPath"]!, $"SHARED_SSH_KEY_PATH={key}\nSSH_PROXY_HOST=127.0.0.1\nSSH_PROXY_SSH_PORT=1\n");

        var result = Run("Publish-ArenaProxyConfig -Config $cfg -ApiKey $key -Force");

        var error = Assert.Single(result.Errors.Concat(result.Output.OfType<ErrorRecord>()));
        Assert.StartsWith("DuplicatePodName", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.StartsWith("arena-apple: 2 pods have this name", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("proxy keeps the one it has", error.Exception.Message, StringComparison.Ordinal);
    }
}
