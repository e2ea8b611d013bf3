using System.Diagnostics;
using System.Management.Automation;
using System.Text.Json;
using ArenaInfra.Access;
using ArenaInfra.Backup;
using ArenaInfra.Common;
using ArenaInfra.Config;
using ArenaInfra.Operations;
using ArenaInfra.Proxy;
using ArenaInfra.RunPod;
using ArenaInfra.Ssh;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>The smaller holes of the untrusted-input list, each as its attack.</summary>
public sealed class UntrustedInputUnitTests
{
    [Fact]
    public void A_key_cut_off_at_the_end_of_a_message_is_still_redacted()
    {
        const string key = "rpa_SECRETSECRETSECRET1234567890";
        var body = new string('x', 190) + key;

        var shown = RunPodErrors.Start(body, key);

        Assert.DoesNotContain("SECRETSEC", shown);
        Assert.DoesNotContain("rpa_SECRE", shown);
        Assert.Equal("left ***", Secrets.Redact("left " + key.Substring(0, 12), key));
        // A short chance match is left alone: only a start of 8 characters or more is taken for the key.
        Assert.Equal("left rpa_", Secrets.Redact("left rpa_", key));
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    public void An_emptied_host_key_store_is_damage_not_an_empty_list_of_keys(string content)
    {
        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, "pod_host_keys.json"), content);

        var error = Assert.Throws<ArenaException>(() => HostKeyStore.Open(dir.Path));

        Assert.Equal("HostKeyStoreInvalid", error.ErrorId);
    }

    [Fact]
    public void A_host_key_store_that_is_a_folder_is_an_error_at_once()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(Path.Combine(dir.Path, "pod_host_keys.json"));

        var error = Assert.Throws<ArenaException>(() => HostKeyStore.Open(dir.Path));

        Assert.Equal("HostKeyStoreInvalid", error.ErrorId);
        Assert.Contains("is a folder", error.Message);
    }

    [Fact]
    public void Installing_keeps_a_symlinked_ssh_config_a_link_and_writes_where_it_points()
    {
        if (OperatingSystem.IsWindows()) return;
        using var home = new TempDir();
        var ssh = Path.Combine(home.Path, ".ssh");
        Directory.CreateDirectory(ssh);
        var dotfiles = Path.Combine(home.Path, "dotfiles-ssh-config");
        File.WriteAllText(dotfiles, "Host mine\n    HostName example.org\n");
        File.CreateSymbolicLink(Path.Combine(ssh, "config"), dotfiles);

        new SshConfigInstallation(ssh, "camp").Install("Host camp-*\n    User root\n");

        Assert.NotNull(new FileInfo(Path.Combine(ssh, "config")).LinkTarget);
        Assert.Contains("Include", File.ReadAllText(dotfiles));
        Assert.Contains("Host mine", File.ReadAllText(dotfiles));
    }

    [Fact]
    public void A_pod_whose_address_is_a_host_name_stays_out_of_the_nginx_config_so_publishing_never_depends_on_it_resolving()
    {
        var good = Pod("camp-alpha", "alpha", "127.0.0.1");
        var named = Pod("camp-bravo", "bravo", "no-such-host.invalid");
        var refused = new List<string>();

        var text = NginxConfigRenderer.Render(new NginxConfigOptions { Prefix = "camp" }, new[] { good, named }, new ProxyPortPlan(16000, new[] { "alpha", "bravo" }), _ => { }, refused.Add);

        Assert.Contains("upstream camp_alpha", text);
        Assert.DoesNotContain("no-such-host", text);
        Assert.Contains(refused, r => r.Contains("camp-bravo") && r.Contains("host name"));
    }

    [Fact]
    public void A_plain_http_API_base_on_another_machine_gets_a_warning()
    {
        using var dir = new TempDir();
        ArenaConfig Config(string url) => ConfigLoader.LoadFile(dir.Write(Guid.NewGuid().ToString("N") + ".env", $"RUNPOD_API_BASE_URL={url}\nRUNPOD_API_KEY=k\n"), ArenaConfigOrigin.Parameter, new List<string>());
        var log = new RecordingLog();

        RunPodClientOptions.From(Config("http://api.example.org"), "ua", log);

        Assert.Contains(log.Lines, l => l.StartsWith("WARNING: ") && l.Contains("unencrypted"));
        var local = new RecordingLog();
        RunPodClientOptions.From(Config("http://127.0.0.1:8080"), "ua", local);
        Assert.DoesNotContain(local.Lines, l => l.StartsWith("WARNING: "));
    }

    private static ArenaPod Pod(string name, string machine, string ip) => new()
    {
        Id = name + "-id", Name = name, MachineName = machine, IsFleetPod = true, Status = ArenaPodStatus.Running, PublicIp = ip, SshPort = 2222,
    };
}
