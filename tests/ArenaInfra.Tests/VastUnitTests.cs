using ArenaInfra.Common;
using ArenaInfra.Config;
using ArenaInfra.Tests.Support;
using ArenaInfra.Vast;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>Vast.ai's pieces that need no network: ids, GPU names, statuses, the config keys and the missing key.</summary>
public sealed class VastUnitTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("vast-123", true)]
    [InlineData("vast-7000001", true)]
    [InlineData("vast-0", false)]
    [InlineData("vast-012", false)]
    [InlineData("vast-12a", false)]
    [InlineData("VAST-12", false)]
    [InlineData("vast-12\n", false)]
    [InlineData("abcd1234xyz", false)]
    [InlineData("vast-1234567890123456789", false)]
    public void A_Vast_pod_id_is_exactly_vast_and_the_instance_number(string id, bool owned) =>
        Assert.Equal(owned, VastInstanceMapper.IsVastId(id));

    [Theory]
    [InlineData("NVIDIA RTX A4000", "RTX A4000")]
    [InlineData("NVIDIA GeForce RTX 4090", "RTX 4090")]
    [InlineData("NVIDIA RTX 4000 Ada Generation", "RTX 4000Ada")]
    [InlineData("NVIDIA A100 80GB PCIe", "A100 PCIE")]
    [InlineData("RTX 3090", "RTX 3090")]
    public void RunPods_GPU_type_ids_become_Vasts_gpu_names(string runPod, string vast) =>
        Assert.Equal(vast, VastGpuNames.ToVast(runPod));

    [Theory]
    [InlineData("running", null, true, ArenaPodStatus.Running)]
    [InlineData("running", null, false, ArenaPodStatus.Starting)]
    [InlineData("exited", null, true, ArenaPodStatus.Stopped)]
    [InlineData("stopped", null, false, ArenaPodStatus.Stopped)]
    [InlineData("loading", null, false, ArenaPodStatus.Provisioning)]
    [InlineData("created", null, false, ArenaPodStatus.Provisioning)]
    [InlineData(null, "running", false, ArenaPodStatus.Provisioning)]
    [InlineData("offline", "running", true, ArenaPodStatus.Unknown)]
    [InlineData(null, null, false, ArenaPodStatus.Unknown)]
    public void Vasts_states_are_read_as_the_modules(string? actual, string? intended, bool endpoint, ArenaPodStatus expected) =>
        Assert.Equal(expected, VastInstanceMapper.StatusOf(actual, intended, endpoint));

    [Fact]
    public void The_config_keys_have_defaults_are_read_and_a_typo_is_named()
    {
        var defaults = ConfigLoader.Defaults();
        Assert.Equal(("https://console.vast.ai", 1m), (defaults.VastApiUrl, defaults.VastMaxPricePerHour));
        var warnings = new List<string>();
        var config = ConfigLoader.LoadFile(_dir.Write("c.env", "VAST_API_URL=http://127.0.0.1:9\nVAST_MAX_PRICE_PER_HOUR=0.35\nVAST_MAX_PRICE_PER_HOR=2\n"), ArenaConfigOrigin.File, warnings);
        Assert.Equal(0.35m, config.VastMaxPricePerHour);
        Assert.Equal(new Uri("http://127.0.0.1:9/api/v0/search/asks/"), VastOptions.From(config, "k", "ua", NullArenaLog.Instance).Api("api/v0/search/asks/"));
        Assert.Contains(warnings, w => w.Contains("Did you mean VAST_MAX_PRICE_PER_HOUR?"));
    }

    [Fact]
    public void Plain_http_to_another_machine_is_refused_before_the_key_travels()
    {
        var config = ConfigLoader.LoadFile(_dir.Write("c.env", "VAST_API_URL=http://vast.example.org\n"), ArenaConfigOrigin.File, new List<string>());
        var e = Assert.Throws<ArenaException>(() => VastOptions.From(config, "k", "ua", NullArenaLog.Instance));
        Assert.Equal(ArenaErrorIds.InvalidConfigValue, e.ErrorId);
    }

    [Fact]
    public void A_stop_of_a_Vast_pod_erases_nothing_so_it_needs_no_AllowDataLoss()
    {
        var vast = new ArenaPod { Id = "vast-7", Name = "camp-alpha", Provider = ArenaProvider.Vast, Status = ArenaPodStatus.Running };
        var runPod = new ArenaPod { Id = "abc123", Name = "camp-bravo", Status = ArenaPodStatus.Running };

        var alone = Pods.PodStopPlan.For(new[] { vast });
        var mixed = Pods.PodStopPlan.For(new[] { vast, runPod });

        Assert.False(alone.LosesWork);
        Assert.Contains("Vast.ai keeps every file through a stop: camp-alpha.", alone.Question);
        Assert.DoesNotContain("erases", alone.Question);
        Assert.DoesNotContain("container disk", alone.Question);
        Assert.EndsWith("They can be started again.", alone.Question);
        Assert.True(mixed.LosesWork);
        Assert.Equal(new[] { "camp-bravo" }, mixed.WithoutVolume.Select(p => p.Name));
        Assert.Contains("erases each other pod's container disk", mixed.Question);
        Assert.EndsWith("They can be started again, on the same host, with a fresh container disk.", mixed.Question);
    }

    [Fact]
    public void A_missing_key_names_where_to_put_one()
    {
        var e = VastOptions.Missing();
        Assert.Equal(ArenaErrorIds.ApiKeyMissing, e.ErrorId);
        Assert.Contains("Set-ArenaApiKey -Service Vast", e.RecommendedAction);
        Assert.Contains("ARENA_INFRA_DATA", e.RecommendedAction);
        Assert.Contains("VAST_API_KEY", e.RecommendedAction);
    }
}
