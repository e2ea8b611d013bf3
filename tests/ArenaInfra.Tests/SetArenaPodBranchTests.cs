using System.Security;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// Set-ArenaPodBranch against a sandbox pod that is a real sshd process, its course repo cloned (here,
/// on the test's side) from a local origin that has main and the day's branch w2d1 one commit ahead.
/// </summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
public sealed class SetArenaPodBranchTests : IClassFixture<SshSandbox>, IDisposable
{
    private static readonly string[] Author = { "-c", "user.name=t", "-c", "user.email=t@t" };
    private readonly SshSandbox _ssh;
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars = new();
    private readonly string _origin;
    private string _podId = "";

    public SetArenaPodBranchTests(SshSandbox ssh)
    {
        _ssh = ssh;
        _origin = Path.Combine(_dir.Path, "origin.git");
        if (ssh.SkipReason != null) return;
        ssh.Sandbox!.Reset();
        var key = SshCamp.CopyKey(Path.Combine(_dir.Path, "shared"));
        var seed = Path.Combine(_dir.Path, "seed");
        GitRepo.MakeOrigin(_origin, seed);
        GitRepo.Git(seed, "checkout", "-q", "-b", "w2d1");
        File.WriteAllText(Path.Combine(seed, "day.txt"), "day 1\n");
        GitRepo.Git(seed, "add", "day.txt");
        GitRepo.Git(seed, Author.Concat(new[] { "commit", "-q", "-m", "day 1" }).ToArray());
        GitRepo.Git(seed, "push", "-q", "origin", "HEAD:refs/heads/w2d1");
        var secure = new SecureString();
        foreach (var c in Sandbox.ApiKey) secure.AppendChar(c);
        _vars["key"] = secure;
        _vars["cfg"] = SshCamp.Config(_dir, ssh.Sandbox!, key, SshCamp.CourseRepo(_origin), machines: "(alpha)");
    }

    public void Dispose()
    {
        _host.Dispose();
        _dir.Dispose();
    }

    private HostResult Run(string script) =>
        _host.Run("$config = Import-ArenaConfig $cfg -NoDefault\n$PSDefaultParameterValues = @{ '*-Arena*:Config' = $config; '*-Arena*:ApiKey' = $key }\n" + script, _vars);

    private ArenaPodBranchSwitchResult Set(string arguments) => Run("Set-ArenaPodBranch alpha " + arguments).Output.OfType<ArenaPodBranchSwitchResult>().Single();

    private string Git(params string[] args) => GitRepo.Git(Repo, args);

    private string Repo => Path.Combine(_ssh.Sandbox!.PodHome(_podId), "course");

    private string Origin(string branch) => GitRepo.Git(_origin, "rev-parse", "refs/heads/" + branch).Trim();

    /// <summary>camp-alpha, running, with ~/course cloned from origin on main and a local w2d1 at main (one commit behind origin's).</summary>
    private void Pod()
    {
        _podId = Run("(New-ArenaPod -Count 1 -Force).Id").Output.Cast<string>().Single();
        GitRepo.Git(Path.GetDirectoryName(Repo)!, "clone", "-q", _origin, "course");
        Git("branch", "-q", "--no-track", "w2d1", "main");
    }

    /// <summary>A commit on the pod's local w2d1 that origin lacks.</summary>
    private string LocalCommit()
    {
        Git("checkout", "-q", "w2d1");
        File.WriteAllText(Path.Combine(Repo, "mine.py"), "print('mine')\n");
        Git("add", "mine.py");
        Git(Author.Concat(new[] { "commit", "-q", "-m", "my own commit" }).ToArray());
        return Git("rev-parse", "HEAD").Trim();
    }

    [SkippableFact]
    public void A_clean_pod_is_fast_forwarded_to_origins_branch_read_back_and_a_second_run_finds_it_current()
    {
        _ssh.Require();
        Pod();

        // Not -Hard: nothing is discarded, so an unattended session goes ahead without -Force.
        var result = Set("-Branch w2d1");
        var again = Set("w2d1");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(ArenaBranchSwitchOutcome.Switched, result.Outcome);
        Assert.Equal("w2d1", result.Branch);
        Assert.Equal(Origin("w2d1"), result.Commit);
        Assert.Equal(Origin("main"), result.PreviousCommit);
        Assert.Empty(result.KeptBranches);
        Assert.Equal("w2d1", Git("symbolic-ref", "--short", "HEAD").Trim());
        Assert.Equal(Origin("w2d1"), Git("rev-parse", "HEAD").Trim());
        Assert.Equal("day 1\n", File.ReadAllText(Path.Combine(Repo, "day.txt")));
        Assert.True(again.Succeeded, again.Error);
        Assert.Equal(ArenaBranchSwitchOutcome.Current, again.Outcome);
    }

    [SkippableFact]
    public void A_changed_tracked_file_is_RepoDirty_naming_the_pod_and_what_to_do_and_nothing_changes()
    {
        _ssh.Require();
        Pod();
        File.WriteAllText(Path.Combine(Repo, "README.md"), "my edit\n");

        var result = Set("-Branch w2d1");

        Assert.False(result.Succeeded);
        Assert.Equal("RepoDirty", result.ErrorId);
        Assert.Equal(ArenaBranchSwitchOutcome.Failed, result.Outcome);
        Assert.Contains("camp-alpha", result.Error);
        Assert.Contains("stash", result.Error);
        Assert.Contains("-Hard", result.Error);
        Assert.Equal("main", Git("symbolic-ref", "--short", "HEAD").Trim());
        Assert.Equal(Origin("main"), Git("rev-parse", "HEAD").Trim());
        Assert.Equal(Origin("main"), Git("rev-parse", "refs/heads/w2d1").Trim());
        Assert.Equal("my edit\n", File.ReadAllText(Path.Combine(Repo, "README.md")));
    }

    [SkippableFact]
    public void Local_commits_origin_lacks_are_BranchDiverged_and_nothing_changes()
    {
        _ssh.Require();
        Pod();
        var local = LocalCommit();
        Git("checkout", "-q", "main");

        var result = Set("-Branch w2d1");

        Assert.False(result.Succeeded);
        Assert.Equal("BranchDiverged", result.ErrorId);
        Assert.Contains("camp-alpha", result.Error);
        Assert.Contains("1 commit(s)", result.Error);
        Assert.Contains("-Hard", result.Error);
        Assert.Equal("main", Git("symbolic-ref", "--short", "HEAD").Trim());
        Assert.Equal(local, Git("rev-parse", "refs/heads/w2d1").Trim());
    }

    [SkippableFact]
    public void Hard_keeps_the_uncommitted_change_and_the_local_commit_on_arena_kept_branches_then_resets_to_origin()
    {
        _ssh.Require();
        Pod();
        var local = LocalCommit();
        File.WriteAllText(Path.Combine(Repo, "README.md"), "my edit\n");

        var result = Set("-Branch w2d1 -Hard -Force");
        var kept = Git("for-each-ref", "--format=%(refname:short)", "refs/heads/arena-kept/").Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(ArenaBranchSwitchOutcome.Reset, result.Outcome);
        Assert.Equal(Origin("w2d1"), result.Commit);
        Assert.Equal(kept.OrderBy(k => k, StringComparer.Ordinal), result.KeptBranches.OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal(2, kept.Length);
        var edits = kept.Single(k => !k.EndsWith("-w2d1", StringComparison.Ordinal));
        Assert.Matches("^arena-kept/[0-9]{8}-[0-9]{6}$", edits);
        Assert.Equal("my edit\n", Git("show", edits + ":README.md"));
        Assert.Equal("print('mine')\n", Git("show", edits + ":mine.py"));
        Assert.Equal(local, Git("rev-parse", edits + "^").Trim());
        Assert.Equal(local, Git("rev-parse", kept.Single(k => k.EndsWith("-w2d1", StringComparison.Ordinal))).Trim());
        // Reset: the checkout is origin's w2d1, nothing of the participant's left in it.
        Assert.Equal("w2d1", Git("symbolic-ref", "--short", "HEAD").Trim());
        Assert.Equal(Origin("w2d1"), Git("rev-parse", "HEAD").Trim());
        Assert.Equal("course\n", File.ReadAllText(Path.Combine(Repo, "README.md")));
        Assert.False(File.Exists(Path.Combine(Repo, "mine.py")));
    }

    [SkippableFact]
    public void Hard_keeps_a_staged_new_file_on_the_kept_branch_before_the_reset_removes_it()
    {
        _ssh.Require();
        Pod();
        File.WriteAllText(Path.Combine(Repo, "new.py"), "print('new')\n");
        Git("add", "new.py");

        var result = Set("-Branch w2d1 -Hard -Force");

        Assert.True(result.Succeeded, result.Error);
        var kept = Assert.Single(result.KeptBranches);
        Assert.Equal("print('new')\n", Git("show", kept + ":new.py"));
        Assert.Equal(Origin("main"), Git("rev-parse", kept + "^").Trim());
        Assert.False(File.Exists(Path.Combine(Repo, "new.py")));
        Assert.Equal(Origin("w2d1"), Git("rev-parse", "HEAD").Trim());
    }

    [SkippableFact]
    public void Hard_keeps_an_untracked_file_origins_branch_would_overwrite_and_leaves_other_untracked_files_alone()
    {
        _ssh.Require();
        Pod();
        // origin's w2d1 has day.txt; the participant has an untracked file of that name, and another.
        File.WriteAllText(Path.Combine(Repo, "day.txt"), "my notes\n");
        File.WriteAllText(Path.Combine(Repo, "scratch.txt"), "scratch\n");

        var result = Set("-Branch w2d1 -Hard -Force");

        Assert.True(result.Succeeded, result.Error);
        var kept = Assert.Single(result.KeptBranches);
        Assert.Equal("my notes\n", Git("show", kept + ":day.txt"));
        Assert.Equal("", Git("ls-tree", "--name-only", kept, "--", "scratch.txt"));
        Assert.Equal("day 1\n", File.ReadAllText(Path.Combine(Repo, "day.txt")));
        Assert.Equal("scratch\n", File.ReadAllText(Path.Combine(Repo, "scratch.txt")));
    }

    [SkippableFact]
    public void Hard_whose_keeping_fails_is_Failed_names_no_kept_branch_and_resets_nothing()
    {
        _ssh.Require();
        Pod();
        File.WriteAllText(Path.Combine(Repo, "README.md"), "my edit\n");
        // A file where the kept branches' reflog folder would be: git cannot make arena-kept/<time>.
        Directory.CreateDirectory(Path.Combine(Repo, ".git", "logs", "refs", "heads"));
        File.WriteAllText(Path.Combine(Repo, ".git", "logs", "refs", "heads", "arena-kept"), "in the way\n");

        var result = Set("-Branch w2d1 -Hard -Force");

        Assert.False(result.Succeeded);
        Assert.Equal(ArenaBranchSwitchOutcome.Failed, result.Outcome);
        Assert.Empty(result.KeptBranches);
        Assert.Equal("Switch", result.FailedStep);
        Assert.Equal("main", Git("symbolic-ref", "--short", "HEAD").Trim());
        Assert.Equal(Origin("main"), Git("rev-parse", "HEAD").Trim());
        Assert.Equal("my edit\n", File.ReadAllText(Path.Combine(Repo, "README.md")));
    }

    [SkippableFact]
    public void A_branch_origin_does_not_have_is_BranchNotFound_and_nothing_changes()
    {
        _ssh.Require();
        Pod();

        var result = Set("-Branch w9d9 -Hard -Force");

        Assert.False(result.Succeeded);
        Assert.Equal("BranchNotFound", result.ErrorId);
        Assert.Contains("w9d9", result.Error);
        Assert.Equal("main", Git("symbolic-ref", "--short", "HEAD").Trim());
        Assert.Equal(Origin("main"), Git("rev-parse", "HEAD").Trim());
    }

    [SkippableFact]
    public void Hostile_names_an_empty_pipeline_an_unattended_Hard_and_a_declined_Hard_do_nothing_and_reach_no_pod()
    {
        _ssh.Require();
        Pod();

        var hostile = new[] { "w2d1;touch /tmp/x", "../main", "w2..d1", "-f", "a b", "x.lock", "w2d1\u001b[2J", "$(id)", "HEAD", "main@{1}" }
            .Select(b => Run($"try {{ Set-ArenaPodBranch alpha -Branch '{b}' -Hard -Force }} catch {{ $_ }}")).ToList();
        var empty = Run("@() | Set-ArenaPodBranch -Branch w2d1 -Hard");
        var unattended = Run("try { Set-ArenaPodBranch alpha -Branch w2d1 -Hard } catch { $_ }");
        // -Hard is ConfirmImpact High: an interactive session is asked once, and a no does nothing.
        var prompts = new PromptingHost();
        prompts.Answer(false);
        using var interactive = new PowerShellHost(prompts);
        var declined = interactive.Run("$config = Import-ArenaConfig $cfg -NoDefault\nSet-ArenaPodBranch alpha -Branch w2d1 -Hard -Config $config -ApiKey $key", _vars);

        Assert.All(hostile, r => Assert.Equal("InvalidBranchName", r.CaughtErrorId));
        Assert.Empty(empty.Output);
        Assert.Empty(empty.Errors);
        Assert.Equal("ConfirmationRequired", unattended.CaughtErrorId);
        Assert.Contains("origin/w2d1", unattended.Caught.Exception.Message);
        Assert.Contains("origin/w2d1", Assert.Single(prompts.Prompts));
        Assert.Equal(System.Management.Automation.ConfirmImpact.High,
            ((System.Management.Automation.CmdletAttribute)Attribute.GetCustomAttribute(typeof(ArenaInfra.Cmdlets.SetArenaPodBranchCommand), typeof(System.Management.Automation.CmdletAttribute))!).ConfirmImpact);
        Assert.Empty(declined.Output);
        Assert.Equal(0, _ssh.Sandbox!.Logins(_podId));
        Assert.Equal("main", Git("symbolic-ref", "--short", "HEAD").Trim());
    }

    [SkippableFact]
    public void Ctrl_C_while_origin_hangs_ends_the_command_at_once_and_leaves_the_checkout_as_it_was()
    {
        _ssh.Require();
        Pod();
        // An origin that takes the connection and never says a word: git on the pod waits for it.
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var held = new List<System.Net.Sockets.TcpClient>();
        var accepting = Task.Run(async () => { try { while (true) held.Add(await silent.AcceptTcpClientAsync()); } catch (Exception e) when (e is ObjectDisposedException || e is System.Net.Sockets.SocketException) { } });
        Git("remote", "set-url", "origin", $"git://127.0.0.1:{((System.Net.IPEndPoint)silent.LocalEndpoint).Port}/course");
        var before = Git("rev-parse", "HEAD").Trim();

        var (wasRunning, stopTook, state) = PowerShellHost.StopAfter(
            $"$k = ConvertTo-SecureString '{Sandbox.ApiKey}' -AsPlainText -Force; $c = Import-ArenaConfig '{_vars["cfg"]}' -NoDefault; Set-ArenaPodBranch alpha w2d1 -Config $c -ApiKey $k",
            TimeSpan.FromSeconds(3));

        silent.Stop();
        foreach (var client in held) client.Dispose();
        Assert.True(wasRunning, "the switch was still waiting on origin when Ctrl+C came");
        Assert.Equal(System.Management.Automation.PSInvocationState.Stopped, state);
        Assert.True(stopTook < TimeSpan.FromSeconds(5), $"stopping took {stopTook}");
        Assert.Equal(before, Git("rev-parse", "HEAD").Trim());
        Assert.Equal("main", Git("symbolic-ref", "--short", "HEAD").Trim());
    }
}
