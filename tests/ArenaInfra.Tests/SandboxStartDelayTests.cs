using System.Diagnostics;
using System.Net.Sockets;
using System.Security;
using System.Security.Cryptography;
using System.Text;
using ArenaInfra.Config;
using ArenaInfra.Operations;
using ArenaInfra.Pods;
using ArenaInfra.Pods.Create;
using ArenaInfra.Proxy;
using ArenaInfra.RunPod;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// The sandbox's own start delays (named, or spread by a seeded random over pod names) and its set-up
/// delay, which the deploy benchmark relies on: a pod shows SSH, and its sshd answers, only once its
/// delay is over; a set-up takes as much longer as asked, on the pod's side.
/// </summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
public sealed class SandboxStartDelayTests : IClassFixture<SshSandbox>, IDisposable
{
    private readonly SshSandbox _ssh;
    private readonly TempDir _dir = new();

    public SandboxStartDelayTests(SshSandbox ssh)
    {
        _ssh = ssh;
        if (ssh.SkipReason == null) ssh.Sandbox!.Reset();
    }

    public void Dispose() => _dir.Dispose();

    private static IRunPodApi Api(Sandbox sandbox) =>
        RunPodApiFactory.Create("rest", new RunPodClientOptions(new Uri(sandbox.Url + "/"), Sandbox.ApiKey, "ArenaInfra/0.0.0-test (tests; PowerShell none)")
        {
            RequestTimeout = TimeSpan.FromSeconds(10),
        }, new PodMapper(new FleetNaming("arena"), new ProxyPortPlan(16000, new[] { "alpha", "bravo", "charlie" })));

    private static PodCreateSpec Spec(string machine) => new()
    {
        Name = "arena-" + machine, MachineName = machine, ImageName = "img:1", GpuTypeId = "NVIDIA RTX A4000", GpuCount = 1,
        CloudType = "COMMUNITY", ContainerDiskInGb = 20, PublicKey = File.ReadAllText(RepoPaths.Fixture("keys/test_ed25519.pub")).Trim(),
    };

    private static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();

    /// <summary>Polls the pod until RunPod's answer gives it an SSH port; returns how long that took from the create and the port.</summary>
    private static (TimeSpan After, ArenaPod Pod) UntilSsh(IRunPodApi api, string podId, Stopwatch since)
    {
        while (since.Elapsed < TimeSpan.FromSeconds(30))
        {
            var pod = Wait(api.GetPodAsync(podId, CancellationToken.None))!;
            if (pod.SshPort != null) return (since.Elapsed, pod);
            Assert.NotEqual(ArenaPodStatus.Running, pod.Status);
            Thread.Sleep(50);
        }
        throw new TimeoutException($"{podId} never showed SSH");
    }

    /// <summary>Reads the SSH banner, so the port is a real sshd's (through the relay too), not only an open socket.</summary>
    private static string Banner(ArenaPod pod)
    {
        using var client = new TcpClient();
        client.Connect(pod.PublicIp!, pod.SshPort!.Value);
        client.ReceiveTimeout = 5000;
        var buffer = new byte[64];
        var read = client.GetStream().Read(buffer, 0, buffer.Length);
        return Encoding.ASCII.GetString(buffer, 0, read);
    }

    /// <summary>The sandbox's draw, written out here so a change of it (or of what it is seeded with) fails a test.</summary>
    private static double SpreadSeconds(string seed, string name, int minMs, int maxMs)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(seed + "\n" + name));
        return new Random(BitConverter.ToInt32(digest, 0)).Next(minMs, maxMs + 1) / 1000.0;
    }

    [SkippableFact]
    public void A_named_delay_holds_the_pod_and_its_sshd_until_it_ends_and_applies_once()
    {
        var sandbox = _ssh.Require();
        var api = Api(sandbox);
        sandbox.StartDelays(new Dictionary<string, int> { ["arena-alpha"] = 2500 });

        var clock = Stopwatch.StartNew();
        var created = Wait(api.CreatePodAsync(Spec("alpha"), CancellationToken.None));
        var (after, pod) = UntilSsh(api, created.Id, clock);
        var sshdStarted = File.GetLastWriteTimeUtc(Path.Combine(Path.GetDirectoryName(sandbox.PodHome(created.Id))!, "sshd_config"));

        Assert.InRange(after.TotalSeconds, 2.5, 6);
        // The pod's sshd was started when the delay ended, not at the create.
        Assert.True(sshdStarted >= DateTime.UtcNow - clock.Elapsed + TimeSpan.FromSeconds(2.4), $"sshd started at {sshdStarted:O}");
        Assert.StartsWith("SSH-2.0-", Banner(pod));

        api.TerminatePodAsync(created.Id, CancellationToken.None).GetAwaiter().GetResult();
        clock.Restart();
        var again = Wait(api.CreatePodAsync(Spec("alpha"), CancellationToken.None));
        Assert.InRange(UntilSsh(api, again.Id, clock).After.TotalSeconds, 0, 2.0);
    }

    [SkippableFact]
    public void A_named_delay_applies_to_the_next_start_of_a_stopped_pod()
    {
        var sandbox = _ssh.Require();
        var api = Api(sandbox);
        var clock = Stopwatch.StartNew();
        var created = Wait(api.CreatePodAsync(Spec("bravo"), CancellationToken.None));
        UntilSsh(api, created.Id, clock);
        api.StopPodAsync(created.Id, CancellationToken.None).GetAwaiter().GetResult();
        sandbox.StartDelays(new Dictionary<string, int> { ["arena-bravo"] = 2000 });

        clock.Restart();
        Wait(api.StartPodAsync(created.Id, 1, CancellationToken.None));
        var (after, pod) = UntilSsh(api, created.Id, clock);

        Assert.InRange(after.TotalSeconds, 2.0, 7.0);
        Assert.StartsWith("SSH-2.0-", Banner(pod));
    }

    [SkippableFact]
    public void A_spread_gives_each_name_its_own_seeded_delay_through_the_relay_too()
    {
        _ssh.Require();
        using var sandbox = new Sandbox(new[] { "--start-delay-ms", "0", "--sshd", "auto", "--ssh-delay-ms", "20", "--start-delay-spread", "24:1000-6000" });
        var api = Api(sandbox);
        var names = new[] { "alpha", "bravo", "charlie" };
        var expected = names.ToDictionary(n => n, n => SpreadSeconds("24", "arena-" + n, 1000, 6000));

        var clocks = names.ToDictionary(n => n, _ => Stopwatch.StartNew());
        var ids = names.ToDictionary(n => n, n => { clocks[n].Restart(); return Wait(api.CreatePodAsync(Spec(n), CancellationToken.None)).Id; });
        var ready = names.AsParallel().WithDegreeOfParallelism(names.Length).Select(n => (Name: n, Ready: UntilSsh(api, ids[n], clocks[n]))).ToList();

        // Spread over the range, not all one value.
        Assert.True(expected.Values.Max() - expected.Values.Min() > 0.3, string.Join(", ", expected.Values));
        foreach (var (name, (after, pod)) in ready)
        {
            // Never before its delay; the slack above is for a busy machine starting sshd (the test
            // command runs two xunit processes and Pester at once on two cores).
            Assert.InRange(after.TotalSeconds, expected[name], expected[name] + 5.0);
            Assert.StartsWith("SSH-2.0-", Banner(pod));
        }
    }

    [SkippableFact]
    public void A_setup_delay_makes_every_setup_that_much_longer_on_the_pods_side()
    {
        _ssh.Require();
        using var sandbox = new Sandbox(new[] { "--start-delay-ms", "0", "--sshd", "auto", "--setup-delay-ms", "3000" });
        var origin = Path.Combine(_dir.Path, "origin.git");
        GitRepo.MakeOrigin(origin, Path.Combine(_dir.Path, "seed"));
        var key = SshCamp.CopyKey(Path.Combine(_dir.Path, "shared"));
        var vars = new Dictionary<string, object?>
        {
            ["cfg"] = SshCamp.Config(_dir, sandbox, key, SshCamp.CourseRepo(origin), "(alpha)"),
            ["key"] = Secure(Sandbox.ApiKey),
        };
        using var host = new PowerShellHost();
        const string Common = "$config = Import-ArenaConfig $cfg -NoDefault\n$PSDefaultParameterValues = @{ '*-Arena*:Config' = $config; '*-Arena*:ApiKey' = $key }\n";
        host.Run(Common + "New-ArenaPod -Count 1 -Wait -Force | Out-Null", vars);

        var first = host.Run(Common + "Get-ArenaPod | Initialize-ArenaPod -Force", vars).Output.OfType<ArenaPodSetupResult>().Single();
        var second = host.Run(Common + "Get-ArenaPod | Initialize-ArenaPod -Force", vars).Output.OfType<ArenaPodSetupResult>().Single();
        var skipped = host.Run(Common + "Get-ArenaPod | Initialize-ArenaPod -Skip Git -Force", vars).Output.OfType<ArenaPodSetupResult>().Single();

        Assert.All(new[] { first, second, skipped }, r => Assert.True(r.Succeeded, r.Error));
        Assert.InRange(first.Duration.TotalSeconds, 3.0, 30);
        Assert.InRange(second.Duration.TotalSeconds, 3.0, 30);
        // The delay is the git fetch's: a set-up that skips Git does not wait.
        Assert.True(skipped.Duration < second.Duration - TimeSpan.FromSeconds(2), $"without Git {skipped.Duration}, with it {second.Duration}");
        var podId = host.Run(Common + "(Get-ArenaPod).Id", vars).Output.Cast<string>().Single();
        Assert.Equal("course\n", File.ReadAllText(Path.Combine(sandbox.PodHome(podId), "course", "README.md")));
    }

    private static SecureString Secure(string text)
    {
        var s = new SecureString();
        foreach (var c in text) s.AppendChar(c);
        s.MakeReadOnly();
        return s;
    }
}
