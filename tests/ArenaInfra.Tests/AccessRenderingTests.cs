using System.Text;
using ArenaInfra.Access;
using ArenaInfra.Common.IO;
using ArenaInfra.Proxy;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

public sealed class AccessRenderingTests
{
    private static readonly ProxyPortPlan Plan = new(16000, new[] { "alpha", "bravo", "charlie" });

    private static ArenaPod Pod(string machine, ArenaPodStatus status, string? ip = "203.0.113.7", int? port = 22001, string prefix = "camp") => new()
    {
        Id = "id-" + machine,
        Name = $"{prefix}-{machine}",
        MachineName = prefix == "camp" ? machine : null,
        IsFleetPod = prefix == "camp",
        Status = status,
        PublicIp = status == ArenaPodStatus.Running ? ip : null,
        SshPort = status == ArenaPodStatus.Running ? port : null,
    };

    private static readonly ArenaPod[] Fleet =
    {
        Pod("bravo", ArenaPodStatus.Running, "203.0.113.8", 22002),
        Pod("alpha", ArenaPodStatus.Running, "203.0.113.7", 22001),
        Pod("charlie", ArenaPodStatus.Starting),
        Pod("zulu", ArenaPodStatus.Running, "203.0.113.9", 22009),
        Pod("yankee", ArenaPodStatus.Stopped),
        Pod("other", ArenaPodStatus.Running, prefix: "research"),
    };

    [Fact]
    public void The_port_plan_puts_names_outside_the_list_after_it_in_name_order()
    {
        var ports = Plan.PortsOf(new[] { "zulu", "bravo", "yankee" });
        Assert.Equal(16001, ports["bravo"]);
        Assert.Equal(16002, ports["charlie"]);
        Assert.Equal(16003, ports["yankee"]);
        Assert.Equal(16004, ports["zulu"]);
        Assert.Null(Plan.PortOf("zulu"));
    }

    [Fact]
    public void Direct_mode_lists_pods_with_an_endpoint_and_leaves_out_the_rest()
    {
        var skipped = new List<string>();
        var text = SshConfigRenderer.Render(new SshConfigOptions { Mode = ArenaSshConfigMode.Direct, Prefix = "camp", User = "root", IdentityFile = "/keys/shared key" }, Fleet, Plan, skipped.Add);

        Assert.Contains("Host camp-*\n    User root\n    IdentityFile \"/keys/shared key\"\n    IdentitiesOnly yes\n    StrictHostKeyChecking no\n    UserKnownHostsFile /dev/null\n", text);
        Assert.Contains("\nHost camp-alpha\n    HostName 203.0.113.7\n    Port 22001\n", text);
        Assert.Contains("\nHost camp-zulu\n    HostName 203.0.113.9\n    Port 22009\n", text);
        Assert.True(text.IndexOf("Host camp-alpha", StringComparison.Ordinal) < text.IndexOf("Host camp-bravo", StringComparison.Ordinal));
        Assert.DoesNotContain("camp-charlie", text);
        Assert.DoesNotContain("research-other", text);
        Assert.Equal(new[] { "camp-charlie", "camp-yankee" }, skipped);
    }

    [Fact]
    public void Proxy_mode_names_every_listed_machine_and_fleet_pods_outside_the_list()
    {
        var text = SshConfigRenderer.Render(new SshConfigOptions { Mode = ArenaSshConfigMode.Proxy, Prefix = "camp", User = "root", IdentityFile = "~/.ssh/k", ProxyHost = "proxy.example.org", HostKeyChecking = ArenaSshHostKeyChecking.AcceptNew, KnownHostsFile = "/h/.ssh/arena/camp_known_hosts" }, Fleet, Plan, _ => { });

        Assert.Contains("Host camp-*\n    HostName proxy.example.org\n", text);
        Assert.Contains("    StrictHostKeyChecking accept-new\n    UserKnownHostsFile /h/.ssh/arena/camp_known_hosts\n", text);
        Assert.Contains("\nHost camp-alpha\n    Port 16000\n", text);
        Assert.Contains("\nHost camp-charlie\n    Port 16002\n", text); // starting: still listed, the file never needs to change
        Assert.Contains("\nHost camp-yankee\n    Port 16003\n", text);
        Assert.Contains("\nHost camp-zulu\n    Port 16004\n", text);
        Assert.DoesNotContain("HostName 203.0.113", text);
    }

    [Theory]
    [InlineData(ArenaSshConfigMode.Proxy)]
    [InlineData(ArenaSshConfigMode.Direct)]
    public void A_participants_config_in_roster_mode_names_their_machine_only(ArenaSshConfigMode mode)
    {
        var text = SshConfigRenderer.Render(new SshConfigOptions { Mode = mode, Prefix = "camp", User = "root", IdentityFile = "~/.ssh/arena/camp_key", ProxyHost = "proxy.example.org", OnlyMachine = "alpha" }, Fleet, Plan, _ => { });

        Assert.Contains("\nHost camp-alpha\n", text);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(text, @"(?m)^Host camp-[a-z]+$"));
    }

    [Fact]
    public void Nginx_config_has_a_server_per_reachable_pod_in_port_order_with_safe_names()
    {
        var skipped = new List<string>();
        var text = NginxConfigRenderer.Render(new NginxConfigOptions { Prefix = "camp", LogDirectory = "/logs/", ListenAddress = "127.0.0.1" }, Fleet, Plan, skipped.Add);

        Assert.Contains("access_log /logs/arena-camp-ssh.log camp_ssh;", text);
        Assert.Contains("error_log /logs/arena-camp-ssh-error.log;", text);
        Assert.Contains("upstream camp_alpha { server 203.0.113.7:22001; }\nserver { listen 127.0.0.1:16000; proxy_pass camp_alpha; proxy_connect_timeout 10s; }", text);
        Assert.Contains("listen 127.0.0.1:16004; proxy_pass camp_zulu;", text);
        Assert.True(text.IndexOf("camp_alpha", StringComparison.Ordinal) < text.IndexOf("camp_bravo", StringComparison.Ordinal));
        Assert.DoesNotContain("research", text);
        Assert.Equal(new[] { "camp-charlie", "camp-yankee" }, skipped);
    }

    private const string Rich = "# my settings\r\nInclude ~/.ssh/office/*.conf\r\n\r\nHost github.com\r\n    IdentityFile ~/.ssh/gh\r\n\r\nMatch host *.corp exec \"true\"\r\n    User me\r\n";

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(Rich)]
    [InlineData("Host x\n  HostName y")] // no final newline
    public void The_include_goes_on_top_and_everything_else_is_kept_byte_for_byte(string? original)
    {
        var installed = SshConfigInclude.Install(original, "camp", "/home/p/.ssh/arena/camp.conf");
        var newline = (original ?? "").Contains("\r\n") ? "\r\n" : "\n";

        Assert.Equal(SshConfigInclude.Marker("camp") + newline + "Include /home/p/.ssh/arena/camp.conf" + newline + (original ?? ""), installed);
        Assert.Equal(installed, SshConfigInclude.Install(installed, "camp", "/home/p/.ssh/arena/camp.conf"));
        Assert.Equal(original ?? "", SshConfigInclude.Remove(installed, "camp"));
    }

    [Fact]
    public void Include_lines_that_slid_down_are_moved_back_to_the_top_once()
    {
        var slid = "Host a\n" + SshConfigInclude.Marker("camp") + "\nInclude /old/camp.conf\nHost b\n";
        var installed = SshConfigInclude.Install(slid, "camp", "/new/camp.conf");
        Assert.Equal(SshConfigInclude.Marker("camp") + "\nInclude /new/camp.conf\nHost a\nHost b\n", installed);
    }

    [Fact]
    public void Installing_in_a_home_keeps_bytes_keeps_a_backup_and_uninstall_restores_the_file()
    {
        using var home = new TempDir();
        var ssh = Path.Combine(home.Path, ".ssh");
        Directory.CreateDirectory(ssh);
        // A BOM, CRLF endings and bytes that are not UTF-8 at all.
        var original = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes(Rich)).Concat(new byte[] { 0xFF, 0xFE, 0x0D, 0x0A }).ToArray();
        File.WriteAllBytes(Path.Combine(ssh, "config"), original);
        var install = new SshConfigInstallation(ssh, "camp");

        var first = install.Install("Host camp-*\n    User root\n");
        var afterFirst = File.ReadAllBytes(install.UserConfig);
        var second = install.Install("Host camp-*\n    User root\n");

        Assert.Equal((true, true), first);
        Assert.Equal((false, false), second);
        Assert.Equal(afterFirst, File.ReadAllBytes(install.UserConfig));
        Assert.Equal(original, File.ReadAllBytes(install.Backup));
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, afterFirst.Take(3));
        Assert.Equal(original.Skip(3), afterFirst.Skip(afterFirst.Length - (original.Length - 3)));
        Assert.Contains($"Include {install.FleetFile.Replace('\\', '/')}\r\n", Encoding.UTF8.GetString(afterFirst));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(install.FleetFile));

        Assert.True(install.Uninstall());
        Assert.Equal(original, File.ReadAllBytes(install.UserConfig));
        Assert.False(File.Exists(install.FleetFile));
        Assert.False(install.Uninstall());
    }

    [Fact]
    public void Installing_where_there_is_no_ssh_folder_creates_a_private_one()
    {
        using var home = new TempDir();
        var install = new SshConfigInstallation(Path.Combine(home.Path, ".ssh"), "camp");
        install.Install("Host camp-*\n");
        Assert.Equal(SshConfigInclude.Marker("camp") + "\n" + SshConfigInclude.IncludeLine(install.FleetFile) + "\n", File.ReadAllText(install.UserConfig));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(install.SshDirectory));
    }

    [Fact]
    public void The_diff_shows_removed_and_added_lines()
    {
        Assert.Equal("- b\n+ c\n", LineDiff.Render("a\nb\n", "a\nc\n"));
        Assert.Equal("(no change)\n", LineDiff.Render("a\n", "a\n"));
        Assert.Equal("+ a\n", LineDiff.Render("", "a\n"));
    }

    [Fact]
    public void An_output_file_is_not_overwritten_without_Force_and_rewriting_the_same_text_is_no_change()
    {
        using var dir = new TempDir();
        var path = dir.Write("x.conf", "someone else's");
        var error = Assert.Throws<ArenaException>(() => OutputFile.Write(path, "ours", force: false));
        Assert.Equal("OutputFileExists", error.ErrorId);
        Assert.Equal("someone else's", File.ReadAllText(path));
        Assert.True(OutputFile.Write(path, "ours", force: true));
        Assert.False(OutputFile.Write(path, "ours", force: false));
    }
}
