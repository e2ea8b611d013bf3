using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using ArenaInfra.Config;
using ArenaInfra.Pods;
using ArenaInfra.Proxy;
using ArenaInfra.RunPod;
using ArenaInfra.Static;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// The machines of a hosts file against a real OpenSSH sshd on 127.0.0.1 (a sandbox pod's): Running
/// only where the sshd greeted, a closed port and a port that accepts and says nothing Down, all
/// probed at once within the probe's deadline, and each pod carrying its line's values.
/// </summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
public sealed class StaticHostsProbeTests : IClassFixture<SshSandbox>, IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(1);
    private readonly SshSandbox _ssh;
    private readonly TempDir _dir = new();
    private readonly TcpListener _silent = new(IPAddress.Loopback, 0);

    public StaticHostsProbeTests(SshSandbox ssh)
    {
        _ssh = ssh;
        _silent.Start();
    }

    public void Dispose()
    {
        _silent.Stop();
        _dir.Dispose();
    }

    /// <summary>A running sandbox pod's sshd port: a real sshd to stand for a machine made by hand.</summary>
    private static int SshdPort(Sandbox sandbox)
    {
        sandbox.Reset();
        var id = sandbox.SeedPod(JsonSerializer.Serialize(new { name = "camp-alpha", desiredStatus = "RUNNING" }));
        var api = RunPodApiFactory.Create("rest", new RunPodClientOptions(new Uri(sandbox.Url + "/"), Sandbox.ApiKey, "ArenaInfra/0.0.0-test (tests; PowerShell none)"),
            new PodMapper(new FleetNaming("camp"), new ProxyPortPlan(16000, new[] { "alpha" })));
        return api.GetPodAsync(id, CancellationToken.None).Result!.SshPort!.Value;
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [SkippableFact]
    public void Running_only_where_the_sshd_greeted_every_machine_probed_at_once()
    {
        var sshd = SshdPort(_ssh.Require());
        var silent = ((IPEndPoint)_silent.LocalEndpoint).Port;
        var path = _dir.Write("hosts.csv",
            "machine,host,port,user,gpu\n" +
            $"up,127.0.0.1,{sshd},{Environment.UserName},RTX 4090\n" +
            $"byname,localhost,{sshd},ubuntu,\n" +
            $"closed,127.0.0.1,{ClosedPort()},root,A100\n" +
            $"silent,127.0.0.1,{silent},root,\n");
        var hosts = new StaticHosts(path, new FleetNaming("camp"), Deadline);
        var clock = Stopwatch.StartNew();

        var pods = hosts.ListPodsAsync(CancellationToken.None).Result;

        Assert.InRange(clock.Elapsed, TimeSpan.Zero, Deadline * 2);
        Assert.Equal(
            new[] { ("up", ArenaPodStatus.Running), ("byname", ArenaPodStatus.Running), ("closed", ArenaPodStatus.Down), ("silent", ArenaPodStatus.Down) },
            pods.Select(p => (p.MachineName!, p.Status)));
        var up = pods[0];
        Assert.Equal((ArenaProvider.Static, "static-up", "camp-up", true), (up.Provider, up.Id, up.Name, up.IsFleetPod));
        Assert.Equal(("127.0.0.1", sshd, Environment.UserName, "RTX 4090"), (up.PublicIp, up.SshPort!.Value, up.SshUser, up.GpuType));
        Assert.Equal(("localhost", "ubuntu", (string?)null), (pods[1].PublicIp, pods[1].SshUser, pods[1].GpuType));
        Assert.All(pods, p => Assert.True(hosts.Owns(p.Id)));
    }

    [SkippableFact]
    public void One_machine_is_read_and_probed_by_its_id_and_an_id_not_in_the_file_is_none()
    {
        var sshd = SshdPort(_ssh.Require());
        var path = _dir.Write("hosts.csv", $"machine,host,port,user\nup,127.0.0.1,{sshd},root\ndown,127.0.0.1,{ClosedPort()},root\n");
        var hosts = new StaticHosts(path, new FleetNaming("camp"), Deadline);

        Assert.Equal(ArenaPodStatus.Running, hosts.GetPodAsync("static-up", CancellationToken.None).Result!.Status);
        Assert.Equal(ArenaPodStatus.Down, hosts.GetPodAsync("static-down", CancellationToken.None).Result!.Status);
        Assert.Null(hosts.GetPodAsync("static-gone", CancellationToken.None).Result);
        Assert.Null(hosts.GetPodAsync("x9bkh2hqsdw1f0", CancellationToken.None).Result);
    }
}
