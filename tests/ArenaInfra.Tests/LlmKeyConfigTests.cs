using ArenaInfra.Common;
using ArenaInfra.Config;
using ArenaInfra.Llm;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>LLM_KEY_LIMIT_USD and OPENROUTER_API_URL: their defaults, what they accept and refuse, and where the provisioning key may go.</summary>
public sealed class LlmKeyConfigTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private ArenaConfig Load(string text) => ConfigLoader.LoadFile(_dir.Write("c.env", text), ArenaConfigOrigin.File, new List<string>());

    [Fact]
    public void The_defaults_are_five_dollars_and_OpenRouters_own_address()
    {
        var config = ConfigLoader.Defaults();
        Assert.Equal(5m, config.LlmKeyLimitUsd);
        Assert.Equal("https://openrouter.ai/api/v1", config.OpenRouterApiUrl);
        Assert.Equal(new Uri("https://openrouter.ai/api/v1/keys?offset=0"), LlmKeyOptions.From(config, "k", "ua", NullArenaLog.Instance).Keys("?offset=0"));
    }

    [Theory]
    [InlineData("7.50", 7.5)]
    [InlineData("20", 20)]
    public void A_limit_in_dollars_and_cents_is_taken(string text, double expected) =>
        Assert.Equal((decimal)expected, Load($"LLM_KEY_LIMIT_USD={text}\n").LlmKeyLimitUsd);

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("1.005")]
    [InlineData("five")]
    [InlineData("1e3")]
    [InlineData("1000000")]
    public void A_limit_that_is_not_an_amount_of_dollars_is_refused_with_the_line(string text)
    {
        var error = Assert.Throws<ArenaException>(() => Load($"LLM_KEY_LIMIT_USD={text}\n"));
        Assert.Equal(ArenaErrorIds.InvalidConfigValue, error.ErrorId);
        Assert.Contains("line 1", error.Message);
    }

    [Fact]
    public void The_provisioning_key_never_goes_over_plain_http_to_another_machine()
    {
        var remote = Load("OPENROUTER_API_URL=http://keys.example.org/api/v1\n");
        var local = Load("OPENROUTER_API_URL=http://127.0.0.1:9/api/v1\n");

        Assert.Equal(ArenaErrorIds.InvalidConfigValue, Assert.Throws<ArenaException>(() => LlmKeyOptions.From(remote, "k", "ua", NullArenaLog.Instance)).ErrorId);
        Assert.Equal("http://127.0.0.1:9/api/v1/keys", LlmKeyOptions.From(local, "k", "ua", NullArenaLog.Instance).Keys().AbsoluteUri);
    }
}
