using ArenaInfra.Config;
using ArenaInfra.Pods;
using ArenaInfra.VsCode;
using ArenaInfra.Workspace;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// Initialize-ArenaPod's Workspace and VsCode steps where no pod is needed: the update service's answer
/// read strictly, what the pod's scripts print read back, and what a stop erases once the course repo
/// is known to be on the volume.
/// </summary>
public sealed class SetupStepUnitTests
{
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";
    private const string Sha = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private static readonly Uri Service = new("https://update.code.visualstudio.com");

    private static string Answer(string commit = Commit, string sha = Sha, string url = "https://vscode.download.prss.microsoft.com/dbazure/download/stable/" + Commit + "/vscode-server-linux-x64.tar.gz") =>
        System.Text.Json.JsonSerializer.Serialize(new { url, name = "1.99.0", version = commit, productVersion = "1.99.0", sha256hash = sha });

    [Fact]
    public void The_update_services_answer_gives_the_commit_the_hash_and_a_download_url_on_vs_codes_own_hosts()
    {
        var build = VsCodeServerBuild.Parse(Answer(), Service);
        Assert.Equal(Commit, build.Commit);
        Assert.Equal(Sha, build.Sha256);
        Assert.StartsWith("https://vscode.download.prss.microsoft.com/", build.Url);
        var local = VsCodeServerBuild.Parse(Answer(url: "http://127.0.0.1:8123/download/x.tar.gz"), new Uri("http://127.0.0.1:8123"));
        Assert.Equal("http://127.0.0.1:8123/download/x.tar.gz", local.Url);
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef0123456'; touch /tmp/x; '", Sha, null, "40-hex commit")]
    [InlineData("$(reboot)", Sha, null, "40-hex commit")]
    [InlineData(Commit, "not-a-hash", null, "64 hex")]
    [InlineData(Commit, Sha, "https://evil.example/vscode-server.tar.gz", "download URL")]
    [InlineData(Commit, Sha, "http://vscode.download.prss.microsoft.com/x.tar.gz", "download URL")]
    [InlineData(Commit, Sha, "https://user:pw@update.code.visualstudio.com/x", "download URL")]
    [InlineData(Commit, Sha, "file:///etc/passwd", "download URL")]
    [InlineData(Commit, Sha, "http://127.0.0.1:8124/x.tar.gz", "download URL")]
    public void A_hostile_answer_is_refused_before_it_reaches_a_shell(string commit, string sha, string? url, string reason)
    {
        var refused = Assert.Throws<VsCodeAnswerRefused>(() => VsCodeServerBuild.Parse(url == null ? Answer(commit, sha) : Answer(commit, sha, url), url?.Contains("127.0.0.1") == true ? new Uri("http://127.0.0.1:8123") : Service));
        Assert.Contains(reason, refused.Message);
        Assert.Throws<VsCodeAnswerRefused>(() => VsCodeServerBuild.Parse("[1,2]", Service));
        Assert.Throws<VsCodeAnswerRefused>(() => VsCodeServerBuild.Parse("{\"version\": 5}", Service));
    }

    [Fact]
    public void An_update_service_that_refuses_the_connection_or_never_answers_is_a_problem_within_its_deadline()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var silent = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        // Bound and never listening: the port refuses connections, and no other test can take it meanwhile.
        using var closed = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        closed.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var refused = ((System.Net.IPEndPoint)closed.LocalEndPoint!).Port;
        try
        {
            var (build, problem) = new VsCodeUpdateService($"http://127.0.0.1:{refused}", TimeSpan.FromSeconds(15)).Latest("server-linux-x64", CancellationToken.None);
            Assert.Null(build);
            Assert.True(problem!.Contains($"http://127.0.0.1:{refused}/api/update/server-linux-x64/stable/latest could not be reached"), problem);

            var clock = System.Diagnostics.Stopwatch.StartNew();
            (build, problem) = new VsCodeUpdateService($"http://127.0.0.1:{silent}", TimeSpan.FromSeconds(1)).Latest("server-linux-x64", CancellationToken.None);
            Assert.Null(build);
            Assert.Contains("did not answer within 1 s", problem);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), clock.Elapsed.ToString());
        }
        finally
        {
            listener.Stop();
        }
    }

    [Theory]
    [InlineData("x86_64\n", "server-linux-x64")]
    [InlineData("aarch64", "server-linux-arm64")]
    [InlineData("armv7l", "server-linux-armhf")]
    [InlineData("riscv64", null)]
    [InlineData("x86_64; rm -rf /", null)]
    public void A_pods_machine_type_names_the_servers_platform(string machine, string? platform) =>
        Assert.Equal(platform, VsCodeServerBuild.Platform(machine));

    [Fact]
    public void The_install_scripts_lines_become_warnings_and_only_ours_count()
    {
        var build = VsCodeServerBuild.Parse(Answer(), Service);
        var (ready, warnings) = VsCodeServerInstall.Read("ARENA-VSC mismatch " + new string('b', 64) + "\n", build, "arena-env");
        Assert.False(ready);
        Assert.Contains("has SHA-256 " + new string('b', 64) + ", not the update service's " + Sha + ": refused, nothing installed", Assert.Single(warnings));

        (ready, warnings) = VsCodeServerInstall.Read("noise ARENA-VSC installed\nARENA-VSC installed\nARENA-VSC extension-failed ms-python.python\nARENA-VSC extension-failed $(evil)\nARENA-VSC fail settings\n", build, "arena-env");
        Assert.True(ready);
        Assert.Equal(2, warnings.Count);
        Assert.Contains("ms-python.python could not be installed", warnings[0]);
        Assert.Contains("default interpreter is not set", warnings[1]);
        Assert.False(VsCodeServerInstall.IsExtensionId("a.b; rm -rf ~"));
        Assert.DoesNotContain("rm -rf ~", VsCodeServerInstall.Script(build, new[] { "a.b; rm -rf ~", "ms-python.python" }, "arena-env"));
    }

    [Fact]
    public void The_volume_path_and_repo_name_must_be_plain_to_be_used()
    {
        Assert.Equal("/workspace", RepoOnVolume.VolumePath(new ArenaPod { VolumeSizeGB = 20, VolumeMountPath = "/workspace" }));
        Assert.Null(RepoOnVolume.VolumePath(new ArenaPod { VolumeSizeGB = 0, VolumeMountPath = "/workspace" }));
        Assert.Null(RepoOnVolume.VolumePath(new ArenaPod { VolumeSizeGB = 20, VolumeMountPath = "/work space" }));
        Assert.Null(RepoOnVolume.VolumePath(new ArenaPod { VolumeSizeGB = 20, VolumeMountPath = "/workspace/../etc" }));
        Assert.Null(RepoOnVolume.VolumePath(new ArenaPod { VolumeSizeGB = 20, VolumeMountPath = "workspace" }));
        Assert.True(RepoOnVolume.IsSafeRepoName("ARENA_3.0"));
        Assert.False(RepoOnVolume.IsSafeRepoName(".."));
        Assert.False(RepoOnVolume.IsSafeRepoName("a/b"));
        Assert.True(RepoOnVolume.IsPlainPath("/tmp/runpod-sandbox-1/pod/volume/course"));
        Assert.False(RepoOnVolume.IsPlainPath("/workspace/course\u001b[2J"));
        Assert.False(RepoOnVolume.IsPlainPath("/workspace/../etc"));
        Assert.False(RepoOnVolume.IsPlainPath("workspace/course"));
        var (verified, kept, refused, action) = RepoOnVolume.Read("ARENA-WS kept /workspace/c.kept-20260101-000000\nARENA-WS relinked\nARENA-WS verified /workspace/c\n");
        Assert.Equal(("/workspace/c", "/workspace/c.kept-20260101-000000", (string?)null, "relinked"), (verified, kept, refused, action));
    }

    private static ArenaPod Pod(string id, int volume, DateTimeOffset? started) =>
        new() { Id = id, Name = "camp-" + id, MachineName = id, VolumeSizeGB = volume, VolumeMountPath = volume > 0 ? "/workspace" : null, StartedAt = started, Status = ArenaPodStatus.Running };

    [Fact]
    public void A_stop_needs_no_AllowDataLoss_only_for_pods_whose_repo_was_seen_on_the_volume_since_they_last_started()
    {
        var start = DateTimeOffset.UtcNow.AddHours(-2);
        var records = new Dictionary<string, WorkspaceRecord>
        {
            ["a"] = new() { PodId = "a", RepoPath = "/workspace/course", VerifiedAt = start.AddMinutes(5), PodStartedAt = start },
            ["b"] = new() { PodId = "b", RepoPath = "/workspace/course", VerifiedAt = start.AddMinutes(5), PodStartedAt = start.AddSeconds(-1) },
            ["c"] = new() { PodId = "c", RepoPath = "/workspace/course", VerifiedAt = start.AddMinutes(5), PodStartedAt = start },
        };

        var onVolume = PodStopPlan.For(new[] { Pod("a", 20, start) }, records);
        Assert.False(onVolume.LosesWork);
        Assert.Contains("the rest of the home (the container disk", onVolume.Question);
        Assert.Contains("camp-a (/workspace/course)", onVolume.Question);

        // Seen under another start (a restart brought the image's checkout back), or a start RunPod did not give: not verified.
        var stale = PodStopPlan.For(new[] { Pod("b", 20, start), Pod("c", 20, null), Pod("d", 20, start) }, records);
        Assert.True(stale.LosesWork);
        Assert.Equal(new[] { "camp-b", "camp-c", "camp-d" }, stale.RepoInHome.Select(p => p.Name));
        var refusal = stale.DataLossNotAllowed();
        Assert.Equal(ArenaErrorIds.DataLossNotAllowed, refusal.ErrorId);
        Assert.StartsWith("camp-b, camp-c, camp-d: the course repo is not known to be on the volume", refusal.Message);
        Assert.Contains("Initialize-ArenaPod -Name b, c, d", refusal.RecommendedAction);

        // GraphQL gives no startedAt: the start is now less the uptime, which drifts by a second or two between reads.
        var now = DateTimeOffset.UtcNow;
        var derived = new ArenaPod { Id = "e", Name = "camp-e", VolumeSizeGB = 20, VolumeMountPath = "/workspace", Uptime = TimeSpan.FromHours(1), RetrievedAt = now, Status = ArenaPodStatus.Running };
        var seenThen = new Dictionary<string, WorkspaceRecord> { ["e"] = new() { PodId = "e", RepoPath = "/workspace/course", VerifiedAt = now, PodStartedAt = now.AddHours(-1).AddSeconds(2) } };
        Assert.False(PodStopPlan.For(new[] { derived }, seenThen).LosesWork);
        seenThen["e"].PodStartedAt = now.AddMinutes(-20);
        Assert.True(PodStopPlan.For(new[] { derived }, seenThen).LosesWork);

        var none = PodStopPlan.For(new[] { Pod("a", 0, start) }, records);
        Assert.True(none.LosesWork);
        Assert.StartsWith("camp-a: no volume", none.DataLossNotAllowed().Message);
    }

    [Theory]
    [InlineData("false", false)]
    [InlineData("off", false)]
    [InlineData("0", false)]
    [InlineData("TRUE", true)]
    [InlineData("yes", true)]
    public void The_on_off_settings_read_true_and_false(string text, bool value) =>
        Assert.Equal(value, ConfigValueConverter.Convert(ConfigSetting.Get("VsCodePreinstall"), text, null, "test"));

    [Fact]
    public void An_on_off_setting_refuses_anything_else()
    {
        var e = Assert.Throws<ArenaException>(() => ConfigValueConverter.Convert(ConfigSetting.Get("WorkspaceRepo"), "maybe", null, "camp.env"));
        Assert.Contains("WORKSPACE_REPO must be true or false, not 'maybe'", e.Message);
    }
}
