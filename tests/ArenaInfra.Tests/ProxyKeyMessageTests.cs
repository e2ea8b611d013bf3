using ArenaInfra.Common;
using ArenaInfra.Config;
using ArenaInfra.Proxy;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>A missing proxy key is named as the proxy key, with the parameter that sets it, not as the participants' shared key.</summary>
public sealed class ProxyKeyMessageTests
{
    [Fact]
    public void A_missing_proxy_key_names_the_proxy_key_and_ProxyKeyPath()
    {
        using var dir = new TempDir();
        var missing = Path.Combine(dir.Path, "organiser");
        var config = ConfigLoader.Defaults()
            .With("SharedKeyPath", Path.Combine(dir.Path, "shared"), ArenaConfigSource.Default)
            .With("ProxyHost", "127.0.0.1", ArenaConfigSource.Default);
        var error = Assert.Throws<ArenaException>(() => ProxySession.Open(config, missing, null, ArenaHostKeyPolicy.AcceptNew, NullArenaLog.Instance, CancellationToken.None));
        Assert.Equal(ArenaErrorIds.SshKeyNotFound, error.ErrorId);
        Assert.Equal($"The proxy key '{missing}' does not exist.", error.Message);
        Assert.Contains("-ProxyKeyPath", error.RecommendedAction);
        Assert.DoesNotContain("SharedKeyPath", error.RecommendedAction);
    }
}
