using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ArenaInfra.Common;
using ArenaInfra.Health;
using ArenaInfra.StatusPage;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// The status page's parts without a sandbox: the allow-list of status.json, the judgement of each
/// machine's state, the sshd probe against listeners that greet, say nothing or are closed, and the
/// writer's refusals (a link, a folder that cannot be).
/// </summary>
public sealed class StatusPageTests : IDisposable
{
    private const string HostileName = "<img src=x onerror=\"document.title='pwned'\"><script>document.title='pwned'</script>";
    private const string SecretIp = "198.51.100.77";
    private const int SecretPort = 41999;
    private const string SecretId = "podid7q3zsecret";
    private const string SecretKey = "sk-or-v1-deadbeefcafe";
    private const decimal SecretCost = 0.4321m;

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static ArenaPod Pod(string id, string machine, ArenaPodStatus status, TimeSpan? uptime = null) => new()
    {
        Id = id, Name = "camp-" + machine, MachineName = machine, Status = status, IsFleetPod = true, Uptime = uptime,
        PublicIp = status == ArenaPodStatus.Running ? SecretIp : null, SshPort = status == ArenaPodStatus.Running ? SecretPort : null,
        GpuType = "RTX A4000", GpuCount = 1, CostPerHour = SecretCost, MachineId = "machine-" + id,
        Env = new Dictionary<string, string> { ["OPENROUTER_API_KEY"] = SecretKey, ["PUBLIC_KEY"] = "ssh-ed25519 AAAAC3Nz" },
    };

    [Fact]
    public void Status_json_holds_the_allowed_fields_and_nothing_else()
    {
        var pods = new[]
        {
            Pod(SecretId, HostileName, ArenaPodStatus.Running, TimeSpan.FromHours(2)),
            Pod("id-bravo", "bravo", ArenaPodStatus.Stopped),
        };
        pods[1].GpuCount = 2;
        var checkedAt = new DateTimeOffset(2026, 12, 1, 8, 30, 0, TimeSpan.Zero);
        var health = new Dictionary<string, HealthRecord>
        {
            [SecretId] = new() { PodId = SecretId, Name = "camp-x", Verdict = "FAIL", CheckedAt = checkedAt, Reason = $"ssh: {SecretIp} refused", MachineId = "machine-x" },
        };
        var status = StatusReport.Build(pods, new HashSet<string> { SecretId }, health, new DateTimeOffset(2026, 12, 1, 9, 0, 0, 123, TimeSpan.Zero));

        StatusPageWriter.Write(_dir.Path, status);

        var json = File.ReadAllText(Path.Combine(_dir.Path, "status.json"));
        var page = File.ReadAllText(Path.Combine(_dir.Path, "index.html"));
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Equal(new[] { "version", "written", "machines" }, root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, root.GetProperty("version").GetInt32());
        Assert.Equal("2026-12-01T09:00:00Z", root.GetProperty("written").GetString());
        var machines = root.GetProperty("machines").EnumerateArray().ToList();
        Assert.Equal(2, machines.Count);
        foreach (var machine in machines)
        {
            Assert.Equal(new[] { "machine", "gpu", "state", "check", "checkedAt" }, machine.EnumerateObject().Select(p => p.Name));
        }
        Assert.Equal(HostileName, machines[0].GetProperty("machine").GetString());
        Assert.Equal("RTX A4000", machines[0].GetProperty("gpu").GetString());
        Assert.Equal("up", machines[0].GetProperty("state").GetString());
        Assert.Equal("FAIL", machines[0].GetProperty("check").GetString());
        Assert.Equal("2026-12-01T08:30:00Z", machines[0].GetProperty("checkedAt").GetString());
        Assert.Equal("bravo", machines[1].GetProperty("machine").GetString());
        Assert.Equal("2 x RTX A4000", machines[1].GetProperty("gpu").GetString());
        Assert.Equal("down", machines[1].GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, machines[1].GetProperty("check").ValueKind);

        // The markup of the name is escaped in the file itself, and nothing private is in either file.
        Assert.DoesNotContain("<img", json, StringComparison.Ordinal);
        foreach (var secret in new[] { SecretIp, SecretPort.ToString(), SecretId, SecretKey, "0.4321", "0.43", "machine-", "refused", "camp-", "ssh-ed25519" })
        {
            Assert.DoesNotContain(secret, json, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, page, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Both_files_are_readable_by_a_web_server_and_a_new_folder_can_be_entered()
    {
        if (OperatingSystem.IsWindows()) return;
        var folder = Path.Combine(_dir.Path, "www", "arena");
        var before = File.GetUnixFileMode(_dir.Path);

        StatusPageWriter.Write(folder, StatusReport.Build(Array.Empty<ArenaPod>(), new HashSet<string>(), new Dictionary<string, HealthRecord>(), DateTimeOffset.UtcNow));

        const UnixFileMode readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        Assert.Equal(readable, File.GetUnixFileMode(Path.Combine(folder, "status.json")));
        Assert.Equal(readable, File.GetUnixFileMode(Path.Combine(folder, "index.html")));
        Assert.Equal(readable | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute, File.GetUnixFileMode(folder));
        Assert.Equal(before, File.GetUnixFileMode(_dir.Path));
        Assert.Empty(Directory.GetFiles(folder, "*.tmp", new EnumerationOptions { AttributesToSkip = 0 }));
    }

    [Fact]
    public void The_page_allows_only_its_own_inline_script_and_style_and_fetches_only_from_its_origin()
    {
        var page = StatusPageWriter.Page;
        var policy = StatusPageWriter.Policy(page.Replace(StatusPageWriter.Policy(page), "__CONTENT_SECURITY_POLICY__"));

        Assert.Contains($"<meta http-equiv=\"Content-Security-Policy\" content=\"{policy}\">", page, StringComparison.Ordinal);
        Assert.StartsWith("default-src 'none'; connect-src 'self'; script-src 'sha256-", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe", policy, StringComparison.Ordinal);
        Assert.Contains("<meta name=\"viewport\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("innerHTML", page, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", page, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", page, StringComparison.Ordinal);
        Assert.DoesNotContain("__CONTENT_SECURITY_POLICY__", page, StringComparison.Ordinal);
    }

    public static IEnumerable<object?[]> States() => new[]
    {
        new object?[] { ArenaPodStatus.Running, 3600, true, "up" },
        new object?[] { ArenaPodStatus.Running, 60, false, "starting" },
        new object?[] { ArenaPodStatus.Running, 599, false, "starting" },
        new object?[] { ArenaPodStatus.Running, 600, false, "down" },
        new object?[] { ArenaPodStatus.Running, 7200, false, "down" },
        new object?[] { ArenaPodStatus.Starting, null, false, "starting" },
        new object?[] { ArenaPodStatus.Provisioning, null, false, "starting" },
        new object?[] { ArenaPodStatus.Stopped, null, false, "down" },
        new object?[] { ArenaPodStatus.Terminated, null, false, "down" },
        new object?[] { ArenaPodStatus.Error, null, false, "down" },
        new object?[] { ArenaPodStatus.Unknown, null, false, "down" },
    };

    [Theory]
    [MemberData(nameof(States))]
    public void A_machine_is_up_only_when_its_sshd_answered(ArenaPodStatus status, int? uptimeSeconds, bool answered, string expected)
    {
        var pod = new ArenaPod { Id = "p", Name = "camp-a", Status = status, Uptime = uptimeSeconds is int s ? TimeSpan.FromSeconds(s) : null };

        Assert.Equal(expected, StatusReport.Word(StatusReport.StateOf(pod, answered)));
    }

    [Fact]
    public void A_running_pod_with_no_public_address_is_down()
    {
        var pod = new ArenaPod { Id = "p", Name = "camp-a", Status = ArenaPodStatus.Starting, SshProblem = "its host has no public IP" };

        Assert.Equal(MachineState.Down, StatusReport.StateOf(pod, false));
    }

    /// <summary>A loopback listener that answers each connection with these bytes (none: accepts and says nothing), kept open.</summary>
    private sealed class Listener : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<TcpClient> _held = new();

        public Listener(string? says)
        {
            _listener.Start();
            _ = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        var client = await _listener.AcceptTcpClientAsync();
                        lock (_held) _held.Add(client);
                        if (says != null) await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes(says));
                    }
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException or InvalidOperationException)
                {
                }
            });
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public void Dispose()
        {
            _listener.Stop();
            lock (_held) _held.ForEach(c => c.Dispose());
        }
    }

    private static (bool Answered, TimeSpan Took) Probe(int port, double seconds = 0.5)
    {
        var clock = Stopwatch.StartNew();
        var probe = SshGreetingProbe.AnswersAsync("127.0.0.1", port, TimeSpan.FromSeconds(seconds), CancellationToken.None);
        if (!probe.Wait(TimeSpan.FromSeconds(10))) throw new TimeoutException("the probe ran past its own deadline");
        return (probe.Result, clock.Elapsed);
    }

    [Theory]
    [InlineData("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", true)]
    [InlineData("Welcome to the pod\r\nSSH-2.0-dropbear\r\n", true)]
    [InlineData("SSH-2.0-\r\n", false)]
    [InlineData("HTTP/1.1 400 Bad Request\r\n\r\n", false)]
    [InlineData("SSH-2.0-no-end-of-line", false)]
    [InlineData("SSH-1.5-old\r\n", false)]
    public void Only_an_SSH_identification_line_counts_as_an_answer(string says, bool expected)
    {
        using var listener = new Listener(says);

        Assert.Equal(expected, Probe(listener.Port).Answered);
    }

    [Fact]
    public void A_listener_that_accepts_and_says_nothing_is_no_answer_and_the_probe_keeps_its_deadline()
    {
        using var listener = new Listener(null);
        var clock = Stopwatch.StartNew();

        var answered = SshGreetingProbe.AnswersAsync("127.0.0.1", listener.Port, TimeSpan.FromSeconds(1), CancellationToken.None).Result;

        Assert.False(answered);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void A_closed_port_is_no_answer_at_once()
    {
        int port;
        using (var closed = new Listener(null)) port = closed.Port;
        var clock = Stopwatch.StartNew();

        var answered = SshGreetingProbe.AnswersAsync("127.0.0.1", port, TimeSpan.FromSeconds(5), CancellationToken.None).Result;

        Assert.False(answered);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
    }

    [Fact]
    public void A_garrulous_server_is_read_only_up_to_the_cap()
    {
        using var listener = new Listener(new string('x', 10 * SshGreetingProbe.MaxBytes));

        Assert.False(Probe(listener.Port).Answered);
    }

    [Fact]
    public void Cancelling_the_probe_throws_rather_than_saying_down()
    {
        using var listener = new Listener(null);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var error = Assert.ThrowsAny<Exception>(() => SshGreetingProbe.AnswersAsync("127.0.0.1", listener.Port, TimeSpan.FromSeconds(5), cancel.Token).GetAwaiter().GetResult());

        Assert.IsAssignableFrom<OperationCanceledException>(error);
    }

    private static StatusFile Empty() => StatusReport.Build(Array.Empty<ArenaPod>(), new HashSet<string>(), new Dictionary<string, HealthRecord>(), DateTimeOffset.UtcNow);

    [SkippableTheory]
    [InlineData("status.json")]
    [InlineData("index.html")]
    public void A_link_planted_at_a_file_is_refused_and_what_it_points_at_is_untouched(string file)
    {
        Skip.If(OperatingSystem.IsWindows(), "symbolic links need privileges on Windows");
        var folder = Directory.CreateDirectory(Path.Combine(_dir.Path, "page")).FullName;
        var elsewhere = _dir.Write("elsewhere.txt", "keep me\n");
        File.CreateSymbolicLink(Path.Combine(folder, file), elsewhere);

        var error = Assert.Throws<ArenaException>(() => StatusPageWriter.Write(folder, Empty()));

        Assert.Equal(ArenaErrorIds.StatusPagePathIsLink, error.ErrorId);
        Assert.Equal(Path.Combine(folder, file), error.Target);
        Assert.Contains(Path.Combine(folder, file), error.Message, StringComparison.Ordinal);
        Assert.Equal("keep me\n", File.ReadAllText(elsewhere));
        Assert.Equal(new[] { file }, Directory.GetFiles(folder, "*", new EnumerationOptions { AttributesToSkip = 0 }).Select(Path.GetFileName));
    }

    [SkippableFact]
    public void A_folder_that_is_a_link_is_refused_even_when_it_points_nowhere()
    {
        Skip.If(OperatingSystem.IsWindows(), "symbolic links need privileges on Windows");
        var target = Directory.CreateDirectory(Path.Combine(_dir.Path, "real")).FullName;
        var link = Path.Combine(_dir.Path, "page");
        Directory.CreateSymbolicLink(link, target);
        var dangling = Path.Combine(_dir.Path, "dangling");
        Directory.CreateSymbolicLink(dangling, Path.Combine(_dir.Path, "nowhere"));

        Assert.Equal(ArenaErrorIds.StatusPagePathIsLink, Assert.Throws<ArenaException>(() => StatusPageWriter.Write(link, Empty())).ErrorId);
        Assert.Equal(ArenaErrorIds.StatusPagePathIsLink, Assert.Throws<ArenaException>(() => StatusPageWriter.Write(dangling, Empty())).ErrorId);
        Assert.Empty(Directory.GetFileSystemEntries(target));
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, "nowhere")));
    }

    [Fact]
    public void A_folder_that_cannot_be_is_StatusPageWriteFailed_with_the_path()
    {
        var file = _dir.Write("taken", "a file, not a folder\n");
        var below = Path.Combine(file, "page");

        var onFile = Assert.Throws<ArenaException>(() => StatusPageWriter.Write(file, Empty()));
        var underFile = Assert.Throws<ArenaException>(() => StatusPageWriter.Write(below, Empty()));

        Assert.Equal(ArenaErrorIds.StatusPageWriteFailed, onFile.ErrorId);
        Assert.Equal(file, onFile.Target);
        Assert.Contains(file, onFile.Message, StringComparison.Ordinal);
        Assert.Equal(ArenaErrorIds.StatusPageWriteFailed, underFile.ErrorId);
        Assert.Equal(below, underFile.Target);
        Assert.Equal("a file, not a folder\n", File.ReadAllText(file));
    }
}
