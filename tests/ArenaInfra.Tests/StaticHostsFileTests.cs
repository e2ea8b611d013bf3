using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ArenaInfra.Access;
using ArenaInfra.Common;
using ArenaInfra.Config;
using ArenaInfra.Operations;
using ArenaInfra.Proxy;
using ArenaInfra.RunPod;
using ArenaInfra.Ssh;
using ArenaInfra.Static;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// The hosts file (ARENA_HOSTS) of machines made by hand: read strictly (every value through the gate
/// RunPod's values meet, one bad line refusing the file with the line and its fix), a file that is no
/// regular file or too large refused unread, the machines' pods with their own SSH user, and every
/// lifecycle call refused with NotSupportedByProvider before anything is done.
/// </summary>
public sealed class StaticHostsFileTests : IDisposable
{
    private static readonly FleetNaming Camp = new("camp");
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static IReadOnlyList<StaticMachine> Parse(string text) => HostsFile.Parse(text, "hosts.csv", Camp);

    private static ArenaException Refused(string text) => Assert.Throws<ArenaException>(() => Parse(text));

    [Fact]
    public void A_good_file_gives_each_machine_its_values_quoted_fields_and_comments_read_as_CSV()
    {
        var machines = Parse(
            "\uFEFFmachine,host,port,user,gpu\r\n" +
            "# the two boxes in the lab\r\n" +
            "lab1,192.0.2.10,22,ubuntu,\"RTX 4090, 24 GB\"\r\n" +
            "\r\n" +
            "lab2, gpu-box.example.org ,2222,\"arena_user\",\"the \"\"big\"\" one\"\n" +
            "lab3,2001:db8::5,22,root,\n");

        Assert.Equal(new[] { "lab1", "lab2", "lab3" }, machines.Select(m => m.Machine));
        Assert.Equal(new[] { "192.0.2.10", "gpu-box.example.org", "2001:db8::5" }, machines.Select(m => m.Host));
        Assert.Equal(new[] { 22, 2222, 22 }, machines.Select(m => m.Port));
        Assert.Equal(new[] { "ubuntu", "arena_user", "root" }, machines.Select(m => m.User));
        Assert.Equal(new[] { "RTX 4090, 24 GB", "the \"big\" one", null }, machines.Select(m => m.Gpu));
        Assert.Equal(new[] { 3, 5, 6 }, machines.Select(m => m.Line));
    }

    [Fact]
    public void The_gpu_column_is_optional_and_its_note_is_made_terminal_safe_and_bounded()
    {
        Assert.Null(Assert.Single(Parse("machine,host,port,user\nlab1,10.0.0.1,22,root\n")).Gpu);

        var note = Assert.Single(Parse("machine,host,port,user,gpu\nlab1,10.0.0.1,22,root,\"A100\u001b]0;pwned\u0007\u001b[2J" + new string('x', 200) + "\"\n")).Gpu!;

        Assert.True(TerminalText.IsSafe(note), note);
        Assert.DoesNotContain('\u001b', note);
        Assert.StartsWith("A100", note);
        Assert.Equal(HostsFile.MaxGpu, note.Length);
    }

    [Theory]
    [InlineData("lab;rm -rf ~,10.0.0.1,22,root", "line 2: the machine", "host-name label")]
    [InlineData("\"lab\u001b[31m\",10.0.0.1,22,root", "line 2: the machine", "host-name label")]
    [InlineData("Lab1,10.0.0.1,22,root", "line 2: the machine 'Lab1'", "lower-case")]
    [InlineData("-lab,10.0.0.1,22,root", "line 2: the machine '-lab'", "host-name label")]
    [InlineData("lab1,\"10.0.0.1 -oProxyCommand=touch /tmp/x\",22,root", "line 2: the host", "neither an IP address nor a host name")]
    [InlineData("lab1,-oProxyCommand=sh,22,root", "line 2: the host '-oProxyCommand=sh'", "without user, port or options")]
    [InlineData("lab1,\"gpu box.example.org\",22,root", "line 2: the host", "neither")]
    [InlineData("lab1,root@10.0.0.1,22,root", "line 2: the host 'root@10.0.0.1'", "neither")]
    [InlineData("lab1,10.0.0.1:22,22,root", "line 2: the host '10.0.0.1:22'", "neither")]
    [InlineData("lab1,,22,root", "line 2: the host ''", "neither")]
    [InlineData("lab1,10.0.0.1,0,root", "line 2: the port '0'", "1 to 65535")]
    [InlineData("lab1,10.0.0.1,70000,root", "line 2: the port '70000'", "1 to 65535")]
    [InlineData("lab1,10.0.0.1,abc,root", "line 2: the port 'abc'", "1 to 65535")]
    [InlineData("lab1,10.0.0.1,-22,root", "line 2: the port '-22'", "1 to 65535")]
    [InlineData("lab1,10.0.0.1,+22,root", "line 2: the port '+22'", "1 to 65535")]
    [InlineData("lab1,10.0.0.1,22,root;id", "line 2: the user 'root;id'", "not a login name")]
    [InlineData("lab1,10.0.0.1,22,-oProxyCommand=x", "line 2: the user", "not '-' first")]
    [InlineData("lab1,10.0.0.1,22,\"ro ot\"", "line 2: the user 'ro ot'", "not a login name")]
    [InlineData("lab1,10.0.0.1,22,..", "line 2: the user '..'", "not a login name")]
    [InlineData("lab1,10.0.0.1,22,", "line 2: the user ''", "not a login name")]
    [InlineData("lab1,10.0.0.1,22", "line 2 has 3 fields, the header 4", "machine,host,port,user")]
    [InlineData("lab1,10.0.0.1,22,root,A100", "line 2 has 5 fields, the header 4", "machine,host,port,user")]
    [InlineData("lab1,\"10.0.0.1,22,root", "line 2 is not CSV", "double quotes")]
    [InlineData("lab1,10.0.0.\"1\",22,root", "line 2 is not CSV", "double quotes")]
    [InlineData("lab1,10.0.0.1,22,root\rlab2,10.0.0.2,22,root", "line 2 holds a carriage return", "one machine a line")]
    public void A_hostile_or_mistaken_line_refuses_the_whole_file_naming_the_line_and_the_fix(string line, string names, string fix)
    {
        var error = Refused("machine,host,port,user\n" + line + "\nlab9,10.0.0.9,22,root\n");

        Assert.Equal(ArenaErrorIds.ConfigParseError, error.ErrorId);
        Assert.Contains(names, error.Message);
        Assert.Contains(fix, error.Message + " " + error.RecommendedAction);
        Assert.Contains("ARENA_HOSTS", error.Message);
        Assert.True(TerminalText.IsSafe(error.Message), error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_machine_named_twice_is_refused_naming_both_lines()
    {
        var error = Refused("machine,host,port,user\nlab1,10.0.0.1,22,root\nlab2,10.0.0.2,22,root\nlab1,10.0.0.3,22,root\n");

        Assert.Equal(ArenaErrorIds.ConfigParseError, error.ErrorId);
        Assert.Contains("line 4: the machine 'lab1' is on line 2 already", error.Message);
    }

    [Fact]
    public void Every_bad_line_is_named_not_only_the_first()
    {
        var error = Refused("machine,host,port,user\nlab1,10.0.0.1,0,root\nlab2,10.0.0.2,22,root\nlab3,10.0.0.3,22,ro;ot\n");

        Assert.Contains("line 2: the port '0'", error.Message);
        Assert.Contains("line 4: the user 'ro;ot'", error.Message);
        Assert.DoesNotContain("line 3", error.Message);
    }

    [Theory]
    [InlineData("lab1,10.0.0.1,22,root\n")]
    [InlineData("machine,host,user,port\nlab1,10.0.0.1,root,22\n")]
    [InlineData("machine,host,port,user,gpu,cost\nlab1,10.0.0.1,22,root,A100,1\n")]
    [InlineData("# only a comment\n")]
    public void A_file_without_the_header_is_refused(string text)
    {
        var error = Refused(text);

        Assert.Equal(ArenaErrorIds.ConfigParseError, error.ErrorId);
        Assert.Contains("machine,host,port,user", error.Message);
    }

    [Fact]
    public void A_machine_whose_pod_name_would_be_too_long_for_a_label_is_refused()
    {
        var machine = new string('a', 60);

        var error = Refused($"machine,host,port,user\n{machine},10.0.0.1,22,root\n");

        Assert.Contains($"camp-{machine}", error.Message);
        Assert.Contains("shorter machine name", error.Message);
    }

    [Fact]
    public void A_missing_file_is_ConfigFileNotFound()
    {
        var error = Assert.Throws<ArenaException>(() => HostsFile.Read(Path.Combine(_dir.Path, "nope.csv"), Camp));

        Assert.Equal(ArenaErrorIds.ConfigFileNotFound, error.ErrorId);
        Assert.Contains("ARENA_HOSTS", error.Message);
    }

    [Fact]
    public void A_file_over_a_megabyte_is_refused_unread()
    {
        var big = _dir.Write("hosts.csv", "machine,host,port,user\n" + string.Concat(Enumerable.Range(0, 40000).Select(i => $"m{i},10.0.{i % 250}.{i % 200 + 1},22,root\n")));
        Assert.True(new FileInfo(big).Length > InputFile.MaxBytes);

        var error = Assert.Throws<ArenaException>(() => HostsFile.Read(big, Camp));

        Assert.Equal(ArenaErrorIds.ConfigFileInvalid, error.ErrorId);
        Assert.Contains("larger than 1 MB", error.Message);
    }

    [SkippableFact]
    public void A_FIFO_and_a_link_planted_to_one_are_refused_at_once_and_a_link_to_a_file_is_read_as_config_files_are()
    {
        Skip.If(OperatingSystem.IsWindows(), "FIFOs and symbolic links as on Unix");
        var fifo = Path.Combine(_dir.Path, "fifo");
        using (var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", fifo) { UseShellExecute = false })!) mkfifo.WaitForExit();
        var linkToFifo = Path.Combine(_dir.Path, "hosts.csv");
        File.CreateSymbolicLink(linkToFifo, fifo);
        var clock = Stopwatch.StartNew();

        foreach (var path in new[] { fifo, linkToFifo, _dir.Path })
        {
            var read = Task.Run(() => Record.Exception(() => HostsFile.Read(path, Camp)));
            Assert.True(read.Wait(TimeSpan.FromSeconds(5)), $"reading {path} blocked");
            var error = Assert.IsType<ArenaException>(read.Result);
            Assert.Equal(ArenaErrorIds.ConfigFileInvalid, error.ErrorId);
        }
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");

        // Like a config or a roster, the file is judged by what the path opens: a link to a good file is that file.
        var real = _dir.Write("real.csv", "machine,host,port,user\nlab1,10.0.0.1,22,root\n");
        var linkToFile = Path.Combine(_dir.Path, "linked.csv");
        File.CreateSymbolicLink(linkToFile, real);
        Assert.Equal("lab1", Assert.Single(HostsFile.Read(linkToFile, Camp)).Machine);
    }

    [Fact]
    public void ARENA_HOSTS_is_a_setting_with_its_source_and_a_near_miss_is_offered_it()
    {
        var setting = ConfigSetting.Find("ARENA_HOSTS");

        Assert.NotNull(setting);
        Assert.Equal("HostsPath", setting!.Name);
        Assert.Equal(ConfigValueKind.LocalPath, setting.Kind);
        Assert.Null(setting.DefaultValue);
        Assert.Equal("ARENA_HOSTS", ConfigSetting.Nearest("ARENA_HOST"));
    }

    [Theory]
    [InlineData("static-lab1", true)]
    [InlineData("static-a", true)]
    [InlineData("static-", false)]
    [InlineData("static-Lab1", false)]
    [InlineData("static-lab1/../x", false)]
    [InlineData("static-lab1\n", false)]
    [InlineData("x9bkh2hqsdw1f0", false)]
    [InlineData("vast-1234", false)]
    public void It_owns_exactly_the_ids_of_its_shape(string id, bool owned)
    {
        Assert.Equal(owned, new StaticHosts("unused", Camp).Owns(id));
    }

    [Fact]
    public void Every_lifecycle_call_is_refused_with_NotSupportedByProvider_before_anything_is_done()
    {
        // The machine's "sshd" counts every connection: a refusal must not even probe it.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var text = $"machine,host,port,user\nlab1,127.0.0.1,{port},ubuntu\n";
            var path = _dir.Write("hosts.csv", text);
            var hosts = new StaticHosts(path, Camp);
            var calls = new (string Action, Func<Task> Call)[]
            {
                ("stop", () => hosts.StopPodAsync("static-lab1", CancellationToken.None)),
                ("start", () => hosts.StartPodAsync("static-lab1", 1, CancellationToken.None)),
                ("remove", () => hosts.TerminatePodAsync("static-lab1", CancellationToken.None)),
                ("create", () => hosts.CreatePodAsync(new PodCreateSpec { Name = "camp-lab1", MachineName = "lab1" }, CancellationToken.None)),
            };

            foreach (var (action, call) in calls)
            {
                var task = call();
                var error = Assert.IsType<ArenaException>(Assert.ThrowsAsync<ArenaException>(() => task).Result);
                Assert.Equal(ArenaErrorIds.NotSupportedByProvider, error.ErrorId);
                Assert.Contains("'lab1'", error.Message);
                Assert.Contains($"cannot {action} it; nothing was done", error.Message);
                Assert.Contains("ARENA_HOSTS", error.Message);
                Assert.Contains("in your provider's console", error.RecommendedAction);
            }
            Assert.False(listener.Pending(), "a refused call connected to the machine");
            Assert.Equal(text, File.ReadAllText(path));
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public void A_pods_own_user_is_the_one_SSH_logs_in_as_directly_and_through_the_proxy()
    {
        var machine = new ArenaPod { Name = "camp-lab1", PublicIp = "10.0.0.1", SshPort = 22, ProxyPort = 16001, SshUser = "ubuntu" };
        var runPod = new ArenaPod { Name = "camp-alpha", PublicIp = "10.0.0.2", SshPort = 22, ProxyPort = 16000 };

        Assert.Equal("ubuntu", new PodRoute(ArenaSshRoute.Direct, "root", null).TargetFor(machine)!.User);
        Assert.Equal("ubuntu", new PodRoute(ArenaSshRoute.Proxy, "root", "proxy.example.org").TargetFor(machine)!.User);
        Assert.Equal("root", new PodRoute(ArenaSshRoute.Direct, "root", null).TargetFor(runPod)!.User);
    }

    [Theory]
    [InlineData("root\n    ProxyCommand sh")]
    [InlineData("root\n")]
    [InlineData("-oProxyCommand=sh")]
    public void A_pod_whose_user_is_no_login_name_is_refused_by_the_gate(string user)
    {
        var pod = new ArenaPod { Name = "camp-lab1", PublicIp = "10.0.0.1", SshPort = 22, SshUser = user };

        Assert.Contains("is not a user name", UntrustedValue.PodProblem(pod, needsEndpoint: true));
    }

    [Theory]
    [InlineData("camp-lab1\n", "10.0.0.1")]
    [InlineData("camp-lab1", "gpu-box.example.org\n")]
    [InlineData("camp-lab1", "gpu-box\n")]
    public void A_name_or_host_ending_in_a_line_break_does_not_pass_the_gate(string name, string host)
    {
        var pod = new ArenaPod { Name = name, PublicIp = host, SshPort = 22 };

        Assert.NotNull(UntrustedValue.PodProblem(pod, needsEndpoint: true));
    }

    [Theory]
    [InlineData("/root/.ssh/id_ed25519", "root", "/root/.ssh/id_ed25519")]
    [InlineData("/root/.ssh/id_ed25519", "ubuntu", "~/.ssh/id_ed25519")]
    [InlineData("~/.ssh/id_deploy", "ubuntu", "~/.ssh/id_deploy")]
    [InlineData("/opt/keys/deploy", "ubuntu", "/opt/keys/deploy")]
    [InlineData("/rootless/key", "ubuntu", "/rootless/key")]
    public void The_deploy_keys_place_in_roots_home_is_the_logins_own_home_on_a_machine_not_logged_into_as_root(string configured, string login, string expected)
    {
        Assert.Equal(expected, PodSetupPlan.KeyPathFor(configured, login));
    }

    [Theory]
    [InlineData(ArenaSshConfigMode.Direct)]
    [InlineData(ArenaSshConfigMode.Proxy)]
    public void The_ssh_config_gives_a_machine_its_own_user_before_the_fleets(ArenaSshConfigMode mode)
    {
        var pods = new[]
        {
            new ArenaPod { Id = "static-lab1", Name = "camp-lab1", MachineName = "lab1", IsFleetPod = true, Status = ArenaPodStatus.Running, PublicIp = "lab1.example.org", SshPort = 2222, SshUser = "ubuntu", Provider = ArenaProvider.Static },
            new ArenaPod { Id = "abc", Name = "camp-alpha", MachineName = "alpha", IsFleetPod = true, Status = ArenaPodStatus.Running, PublicIp = "10.0.0.2", SshPort = 40022 },
        };
        var options = new SshConfigOptions { Mode = mode, Prefix = "camp", User = "root", IdentityFile = "~/.ssh/key", ProxyHost = "proxy.example.org" };
        var plan = new ProxyPortPlan(16000, new[] { "alpha", "lab1" });

        var text = SshConfigRenderer.Render(options, pods, plan, _ => { });

        var own = text.IndexOf("Host camp-lab1\n    User ubuntu\n", StringComparison.Ordinal);
        var fleet = text.IndexOf("Host camp-*\n", StringComparison.Ordinal);
        Assert.True(own >= 0 && own < fleet, text);
        Assert.DoesNotContain("Host camp-alpha\n    User", text);
        if (mode == ArenaSshConfigMode.Direct) Assert.Contains("Host camp-lab1\n    HostName lab1.example.org\n    Port 2222\n", text);
    }
}

/// <summary>The hosts file's machines in the provider fleet: a hosts file that turns bad leaves them as last listed, with their own login.</summary>
public sealed class StaticHostsFleetTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_hosts_file_that_turns_bad_stops_the_list_and_the_last_list_keeps_each_machines_own_user()
    {
        var path = _dir.Write("hosts.csv", "machine,host,port,user,gpu\nlab1,127.0.0.1,1,ubuntu,RTX 4090\n");
        var records = new ArenaInfra.Providers.ProviderPodRecords(Path.Combine(_dir.Path, "providers.json"));
        var fleet = new ArenaInfra.Providers.ProviderFleet(null, new ArenaInfra.Providers.IPodProvider[] { new StaticHosts(path, new FleetNaming("camp"), TimeSpan.FromSeconds(1)) }, records, new RecordingLog());
        var first = Assert.Single(await fleet.ListPodsAsync(CancellationToken.None));
        Assert.Equal((ArenaProvider.Static, ArenaPodStatus.Down, "ubuntu"), (first.Provider, first.Status, first.SshUser));
        File.WriteAllText(path, "machine,host,port,user,gpu\nlab1,127.0.0.1,1,ubu;ntu,RTX 4090\n");

        // The organiser's own file is wrong: that is theirs to fix, not a provider's silence to paper over.
        var error = await Assert.ThrowsAsync<ArenaException>(() => fleet.ListPodsAsync(CancellationToken.None));
        Assert.Equal(ArenaErrorIds.ConfigParseError, error.ErrorId);

        var kept = Assert.Single(records.LastKnown(ArenaProvider.Static, "ApiUnreachable")!);
        Assert.Equal(("static-lab1", ArenaPodStatus.Unknown, "127.0.0.1", (int?)1, "ubuntu"), (kept.Id, kept.Status, kept.PublicIp, kept.SshPort, kept.SshUser));
        // The record sits on disk: a login planted in it is no record.
        var recordPath = Path.Combine(_dir.Path, "providers.json");
        File.WriteAllText(recordPath, File.ReadAllText(recordPath).Replace("\"ubuntu\"", "\"-oProxyCommand=sh\""));
        Assert.Null(records.LastKnown(ArenaProvider.Static, "ApiUnreachable"));
    }
}
