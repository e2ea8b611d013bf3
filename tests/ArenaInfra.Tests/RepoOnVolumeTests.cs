using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// Initialize-ArenaPod's Workspace step on real sshd pods with a volume (the sandbox gives each its own
/// folder in /workspace's place): the course repo moves onto the volume once, a restart's fresh
/// checkout gives way to the volume's copy without losing work of its own, a planted link is never
/// followed, and Stop-ArenaPod asks for -AllowDataLoss exactly when the repo is not seen on the volume.
/// </summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
[Trait(TestShard.Trait, TestShard.Second)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RepoOnVolumeTests : IClassFixture<SshSandbox>, IDisposable
{
    private readonly SshSandbox _ssh;
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars = new();
    private readonly string _origin;

    public RepoOnVolumeTests(SshSandbox ssh)
    {
        _ssh = ssh;
        _origin = Path.Combine(_dir.Path, "origin.git");
        if (ssh.SkipReason != null) return;
        ssh.Sandbox!.Reset();
        var key = Path.Combine(_dir.Path, "shared");
        SshCamp.CopyKey(key);
        GitRepo.MakeOrigin(_origin, Path.Combine(_dir.Path, "seed"));
        _vars["key"] = CampFleet.Secure(Sandbox.ApiKey);
        _vars["cfg"] = SshCamp.Config(_dir, ssh.Sandbox, key, SshCamp.CourseRepo(_origin).Append("RUNPOD_VOLUME_SPACE_IN_GB=20"));
    }

    public void Dispose()
    {
        _host.Dispose();
        _dir.Dispose();
    }

    private HostResult Run(string script) =>
        _host.Run("$config = Import-ArenaConfig $cfg -NoDefault\n$PSDefaultParameterValues = @{ '*-Arena*:Config' = $config; '*-Arena*:ApiKey' = $key }\n" + script, _vars);

    private ArenaPodSetupResult Setup(string arguments = "-Name alpha") =>
        Run($"Initialize-ArenaPod {arguments} -Force").Output.OfType<ArenaPodSetupResult>().Single();

    private string PodId(string name) => Run($"(Get-ArenaPod -Name {name}).Id").Output.Cast<string>().Single();
    private string Home(string name) => _ssh.Sandbox!.PodHome(PodId(name));
    private string Volume(string name) => Path.Combine(Path.GetDirectoryName(Home(name))!, "volume");

    private static string Git(string cwd, params string[] args) => GitRepo.Git(cwd, args);

    /// <summary>What a stop or a restart does to a RunPod pod's container disk: the home is gone, the image's checkout comes back.</summary>
    private void Restart(string name, Action<string>? work = null)
    {
        var home = Home(name);
        foreach (var entry in new DirectoryInfo(home).EnumerateFileSystemInfos())
        {
            if (entry is DirectoryInfo dir && dir.LinkTarget == null) dir.Delete(true);
            else entry.Delete();
        }
        Git(home, "clone", "-q", _origin, Path.Combine(home, "course"));
        work?.Invoke(Path.Combine(home, "course"));
    }

    [SkippableFact]
    public void The_repo_moves_onto_the_volume_once_and_a_stop_needs_AllowDataLoss_only_while_it_is_not_seen_there()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 2 -Force | Out-Null");
        var first = Setup();
        var second = Setup();

        var volumeCopy = Path.Combine(Volume("alpha"), "course");
        foreach (var result in new[] { first, second })
        {
            Assert.True(result.Succeeded, result.Error);
            Assert.Contains("Workspace", result.Done);
            Assert.Equal(volumeCopy, result.RepoPath);
            Assert.Null(result.KeptCheckout);
        }
        Assert.Equal(volumeCopy, new DirectoryInfo(Path.Combine(Home("alpha"), "course")).LinkTarget);
        Assert.Equal("course\n", File.ReadAllText(Path.Combine(volumeCopy, "README.md")));
        Assert.Single(Directory.GetFileSystemEntries(Volume("alpha")));
        var pods = Run("Get-ArenaPod").Output.OfType<ArenaPod>().ToDictionary(p => p.Name);
        Assert.Equal(volumeCopy, pods["camp-alpha"].RepoOnVolume);
        Assert.Null(pods["camp-bravo"].RepoOnVolume);

        var bravo = Run("try { Stop-ArenaPod -Name bravo -Force } catch { $_ }");
        Assert.Equal("DataLossNotAllowed", bravo.CaughtErrorId);
        Assert.StartsWith("camp-bravo: the course repo is not known to be on the volume", bravo.Caught.Exception.Message);

        var stopped = Run("Stop-ArenaPod -Name alpha -Force -PassThru");
        Assert.Empty(stopped.Errors);
        Assert.Equal(ArenaPodStatus.Stopped, Assert.Single(stopped.Output.OfType<ArenaPod>()).Status);

        // Started again, the pod has a fresh container disk: what the set-up saw before no longer holds.
        var restarted = Run("Start-ArenaPod -Name alpha -Force | Out-Null; try { Stop-ArenaPod -Name alpha -Force } catch { $_ }");
        Assert.Equal("DataLossNotAllowed", restarted.CaughtErrorId);
    }

    [SkippableFact]
    public void After_a_restart_the_volume_copy_wins_and_a_home_checkout_with_new_work_is_kept_whole_on_the_volume()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        Assert.True(Setup().Succeeded);
        var volumeCopy = Path.Combine(Volume("alpha"), "course");
        File.WriteAllText(Path.Combine(volumeCopy, "notes.txt"), "volume work");
        Restart("alpha", checkout =>
        {
            File.WriteAllText(Path.Combine(checkout, "README.md"), "changed after the restart\n");
            File.WriteAllText(Path.Combine(checkout, "image-work.txt"), "home work");
        });

        var run = Run("Initialize-ArenaPod -Name alpha -Force");
        var result = run.Output.OfType<ArenaPodSetupResult>().Single();

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(volumeCopy, result.RepoPath);
        Assert.NotNull(result.KeptCheckout);
        Assert.Matches("/course\\.kept-[0-9]{8}-[0-9]{6}$", result.KeptCheckout);
        Assert.Equal(Volume("alpha"), Path.GetDirectoryName(result.KeptCheckout));
        Assert.Equal("home work", File.ReadAllText(Path.Combine(result.KeptCheckout!, "image-work.txt")));
        Assert.NotEmpty(Git(result.KeptCheckout!, "branch", "--list", "arena-kept/*").Trim());
        Assert.Equal("volume work", File.ReadAllText(Path.Combine(volumeCopy, "notes.txt")));
        Assert.Equal(volumeCopy, new DirectoryInfo(Path.Combine(Home("alpha"), "course")).LinkTarget);
        Assert.Contains(run.Warnings, w => w.Contains("kept whole at " + result.KeptCheckout));

        // The image's checkout untouched: it simply gives way, and nothing more is kept.
        Restart("alpha");
        var again = Setup();
        Assert.True(again.Succeeded, again.Error);
        Assert.Null(again.KeptCheckout);
        Assert.Equal(volumeCopy, new DirectoryInfo(Path.Combine(Home("alpha"), "course")).LinkTarget);
        Assert.Single(Directory.GetDirectories(Volume("alpha"), "course.kept-*"));
        Assert.Equal("volume work", File.ReadAllText(Path.Combine(volumeCopy, "notes.txt")));
    }

    [SkippableFact]
    public void A_link_planted_where_the_volume_copy_goes_is_never_followed_and_the_repo_stays_where_it_is()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        Assert.True(Setup("-Name alpha -Skip Workspace").Succeeded);
        var outside = Directory.CreateDirectory(Path.Combine(_dir.Path, "outside")).FullName;
        File.CreateSymbolicLink(Path.Combine(Volume("alpha"), "course"), outside);

        var result = Setup();
        var stop = Run("try { Stop-ArenaPod -Name alpha -Force } catch { $_ }");

        Assert.False(result.Succeeded);
        Assert.Equal("Workspace", result.FailedStep);
        Assert.Contains("is a link or not a git checkout: it is not followed", result.Error);
        Assert.Empty(Directory.GetFileSystemEntries(outside));
        var home = new DirectoryInfo(Path.Combine(Home("alpha"), "course"));
        Assert.Null(home.LinkTarget);
        Assert.True(Directory.Exists(Path.Combine(home.FullName, ".git")));
        Assert.Equal("DataLossNotAllowed", stop.CaughtErrorId);
    }
}
