using ArenaInfra.Access;
using ArenaInfra.Config;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>Export-ArenaSshConfig's mode, options and text, from the config and the parameters alone.</summary>
public sealed class SshConfigExportTests
{
    private static ArenaConfig Config(string? proxyHost = null)
    {
        var config = ConfigLoader.Defaults()
            .With("Prefix", "camp", ArenaConfigSource.Default)
            .With("SharedKeyPath", "/keys/shared", ArenaConfigSource.Default)
            .With("MachineNames", new[] { "alpha", "bravo" }, ArenaConfigSource.Default);
        return proxyHost == null ? config : config.With("ProxyHost", proxyHost, ArenaConfigSource.Default);
    }

    private static ArenaPod Pod(string machine, bool running = true) => new()
    {
        Id = "id-" + machine,
        Name = "camp-" + machine,
        MachineName = machine,
        IsFleetPod = true,
        Status = running ? ArenaPodStatus.Running : ArenaPodStatus.Starting,
        PublicIp = running ? "203.0.113.7" : null,
        SshPort = running ? 22001 : null,
    };

    [Fact]
    public void Without_a_mode_it_is_direct_without_a_proxy_and_proxy_with_one()
    {
        Assert.Equal(ArenaSshConfigMode.Direct, SshConfigExport.For(Config(), null, null, ArenaSshHostKeyChecking.Off, "/kh").Options.Mode);
        Assert.Equal(ArenaSshConfigMode.Proxy, SshConfigExport.For(Config("proxy.example.org"), null, null, ArenaSshHostKeyChecking.Off, "/kh").Options.Mode);
        Assert.Equal(ArenaSshConfigMode.Direct, SshConfigExport.For(Config("proxy.example.org"), ArenaSshConfigMode.Direct, null, ArenaSshHostKeyChecking.Off, "/kh").Options.Mode);
    }

    [Fact]
    public void A_proxy_mode_without_a_proxy_is_ProxyHostMissing()
    {
        var error = Assert.Throws<ArenaException>(() => SshConfigExport.For(Config(), ArenaSshConfigMode.Proxy, null, ArenaSshHostKeyChecking.Off, "/kh"));

        Assert.Equal(ArenaErrorIds.ProxyHostMissing, error.ErrorId);
    }

    [Fact]
    public void The_options_come_from_the_config_and_the_parameters()
    {
        var options = SshConfigExport.For(Config("proxy.example.org"), null, null, ArenaSshHostKeyChecking.AcceptNew, "/home/u/.ssh/arena/camp_known_hosts").Options;
        var given = SshConfigExport.For(Config(), null, "/keys/mine", ArenaSshHostKeyChecking.Off, "/kh").Options;

        Assert.Equal("camp", options.Prefix);
        Assert.Equal("root", options.User);
        Assert.Equal("/keys/shared", options.IdentityFile);
        Assert.Equal(ArenaSshHostKeyChecking.AcceptNew, options.HostKeyChecking);
        Assert.Equal("/home/u/.ssh/arena/camp_known_hosts", options.KnownHostsFile);
        Assert.Equal("proxy.example.org", options.ProxyHost);
        Assert.Null(options.OnlyMachine);
        Assert.Equal("/keys/mine", given.IdentityFile);
    }

    [Fact]
    public void Direct_text_lists_pods_with_an_endpoint_and_says_which_were_left_out()
    {
        var verbose = new List<string>();
        var warnings = new List<string>();

        var text = SshConfigExport.For(Config(), null, null, ArenaSshHostKeyChecking.Off, "/kh").Render(new[] { Pod("alpha"), Pod("bravo", running: false) }, verbose.Add, warnings.Add);

        Assert.Contains("\nHost camp-alpha\n    HostName 203.0.113.7\n    Port 22001\n", text);
        Assert.DoesNotContain("camp-bravo", text);
        Assert.Equal(new[] { "camp-bravo has no public SSH endpoint yet; it is left out." }, verbose);
        Assert.Empty(warnings);
    }

    [Fact]
    public void Proxy_text_gives_every_machine_its_port_and_warns_about_a_name_outside_the_list()
    {
        var warnings = new List<string>();

        var text = SshConfigExport.For(Config("proxy.example.org"), null, null, ArenaSshHostKeyChecking.Off, "/kh").Render(new[] { Pod("alpha"), Pod("zulu") }, _ => { }, warnings.Add);

        Assert.Contains("Host camp-*\n    HostName proxy.example.org\n", text);
        Assert.Contains("\nHost camp-alpha\n    Port 16000\n", text);
        Assert.Contains("\nHost camp-bravo\n    Port 16001\n", text);
        Assert.Contains("\nHost camp-zulu\n    Port 16002\n", text);
        Assert.Equal(new[] { "'zulu' is not in MachineNames, so its proxy port (16002) can change when other such pods come and go; add it to the list to fix it." }, warnings);
    }
}
