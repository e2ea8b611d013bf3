using System.Security;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>New-ArenaPodBranch against sandbox pods that are real sshd processes, with the course repo cloned from a local origin.</summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
[Trait(TestShard.Trait, TestShard.Second)]
public sealed class PodBranchTests : IClassFixture<SshSandbox>, IDisposable
{
    private readonly SshSandbox _ssh;
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars = new();
    private readonly string _origin;

    public PodBranchTests(SshSandbox ssh)
    {
        _ssh = ssh;
        _origin = Path.Combine(_dir.Path, "origin.git");
        if (ssh.SkipReason != null) return;
        ssh.Sandbox!.Reset();
        var key = SshCamp.CopyKey(Path.Combine(_dir.Path, "shared"));
        GitRepo.MakeOrigin(_origin, Path.Combine(_dir.Path, "seed"));
        var secure = new SecureString();
        foreach (var c in Sandbox.ApiKey) secure.AppendChar(c);
        _vars["key"] = secure;
        _vars["cfg"] = SshCamp.Config(_dir, ssh.Sandbox!, key, SshCamp.CourseRepo(_origin));
    }

    public void Dispose()
    {
        _host.Dispose();
        _dir.Dispose();
    }

    private HostResult Run(string script) =>
        _host.Run("$config = Import-ArenaConfig $cfg -NoDefault\n$PSDefaultParameterValues = @{ '*-Arena*:Config' = $config; '*-Arena*:ApiKey' = $key }\n" + script, _vars);

    private string RemoteCommit(string branch) => GitRepo.Git(_origin, "rev-parse", "refs/heads/" + branch).Trim();

    [SkippableFact]
    public void Each_pod_gets_its_day_branch_on_origin_at_its_HEAD_again_is_fine_and_another_commit_there_is_refused()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 2 -Force | Out-Null; Initialize-ArenaPod -Name * -Skip Workspace, VsCode -Force | Out-Null");
        var main = RemoteCommit("main");

        var first = Run("New-ArenaPodBranch -Name * -Label w2d1 -Force").Output.OfType<ArenaPodBranchResult>().OrderBy(r => r.Name).ToList();
        var again = Run("New-ArenaPodBranch -Name * -Label w2d1 -Force").Output.OfType<ArenaPodBranchResult>().ToList();

        Assert.Equal(2, first.Count);
        Assert.All(first, r => { Assert.True(r.Succeeded, r.Error); Assert.Equal(ArenaBranchStatus.Created, r.Status); Assert.Equal(main, r.Commit); });
        Assert.Equal(main, RemoteCommit("autocommit-camp-w2d1-alpha"));
        Assert.Equal(main, RemoteCommit("autocommit-camp-w2d1-bravo"));
        Assert.All(again, r => { Assert.True(r.Succeeded, r.Error); Assert.Equal(ArenaBranchStatus.Exists, r.Status); });

        // Someone pushed other work to alpha's branch for another day: it is named, not overwritten.
        var seed = Path.Combine(_dir.Path, "seed");
        File.WriteAllText(Path.Combine(seed, "other.txt"), "other\n");
        GitRepo.Git(seed, "add", "other.txt");
        GitRepo.Git(seed, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "other");
        GitRepo.Git(seed, "push", "-q", "origin", "HEAD:refs/heads/autocommit-camp-w2d2-alpha");
        var other = RemoteCommit("autocommit-camp-w2d2-alpha");
        var refused = Run("New-ArenaPodBranch -Name alpha -Label w2d2 -Force").Output.OfType<ArenaPodBranchResult>().Single();
        Assert.False(refused.Succeeded);
        Assert.Equal("BranchExists", refused.ErrorId);
        Assert.Equal(ArenaBranchStatus.Failed, refused.Status);
        Assert.Contains("autocommit-camp-w2d2-alpha", refused.Error);
        Assert.Equal(other, RemoteCommit("autocommit-camp-w2d2-alpha"));
    }

    [SkippableFact]
    public void A_hostile_label_is_refused_before_any_pod_is_contacted()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        var ids = new[] { "w2d1;touch /tmp/x", "../main", "w2..d1", "-f", "a b", "x.lock", "w2d1\u001b[2J", "$(id)" }
            .Select(l => Run($"try {{ New-ArenaPodBranch -Name alpha -Label '{l}' -Force }} catch {{ $_ }}").CaughtErrorId).ToList();
        Assert.All(ids, id => Assert.Equal("InvalidBranchName", id));
    }

    [SkippableFact]
    public void Get_ArenaPodBranch_shows_the_branch_commit_changed_files_and_distance_from_origin_and_reads_a_hostile_name_strictly()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 2 -Force | Out-Null; Initialize-ArenaPod -Name * -Skip Workspace, VsCode -Force | Out-Null");
        var main = RemoteCommit("main");
        var alpha = Path.Combine(_ssh.Sandbox!.PodHome(Run("(Get-ArenaPod -Name alpha).Id").Output.Cast<string>().Single()), "course");
        File.WriteAllText(Path.Combine(alpha, "mine.txt"), "x\n");
        File.AppendAllText(Path.Combine(alpha, "README.md"), "more\n");
        GitRepo.Git(alpha, "add", "README.md");
        GitRepo.Git(alpha, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "local");
        File.AppendAllText(Path.Combine(alpha, "README.md"), "again\n");
        var bravo = Path.Combine(_ssh.Sandbox!.PodHome(Run("(Get-ArenaPod -Name bravo).Id").Output.Cast<string>().Single()), "course");
        GitRepo.Git(bravo, "checkout", "-q", "-b", "evil;$(id)");

        var states = Run("Get-ArenaPodBranch").Output.OfType<ArenaPodBranchState>().ToDictionary(s => s.Name);

        var a = states["camp-alpha"];
        Assert.True(a.Succeeded, a.Error);
        Assert.Equal("main", a.Branch);
        Assert.Equal(GitRepo.Git(alpha, "rev-parse", "HEAD").Trim(), a.Commit);
        Assert.NotEqual(main, a.Commit);
        Assert.Equal(2, a.DirtyFiles);
        Assert.Equal(1, a.Ahead);
        Assert.Equal(0, a.Behind);
        var b = states["camp-bravo"];
        Assert.True(b.Succeeded, b.Error);
        Assert.Null(b.Branch);
        Assert.Equal("evil;$(id)", b.BranchRaw);
        Assert.Equal(main, b.Commit);
        Assert.Null(b.Ahead);
    }
}
