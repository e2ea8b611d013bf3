using System.Security;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// The course repository's work against real sshd pods and a real git origin: an unchanged pod still
/// gets its day's branch, a missing branch leaves the rest of a restore or a replacement to go on, a
/// branch another participant rewrote in the shared origin is refused, and setting a pod up again
/// keeps the participant's uncommitted work.
/// </summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
[Trait(TestShard.Trait, TestShard.Second)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class CourseWorkTests : IClassFixture<SshSandbox>, IDisposable
{
    private readonly SshSandbox _ssh;
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars = new();
    private readonly string _origin;

    public CourseWorkTests(SshSandbox ssh)
    {
        _ssh = ssh;
        _origin = Path.Combine(_dir.Path, "origin.git");
        if (ssh.SkipReason != null) return;
        ssh.Sandbox!.Reset();
        var key = Path.Combine(_dir.Path, "shared");
        SshCamp.CopyKey(key);
        GitRepo.MakeOrigin(_origin, Path.Combine(_dir.Path, "seed"));
        _vars["key"] = CampFleet.Secure(Sandbox.ApiKey);
        _vars["cfg"] = SshCamp.Config(_dir, ssh.Sandbox, key, SshCamp.CourseRepo(_origin));
        _vars["backups"] = Path.Combine(_dir.Path, "backup");
    }

    public void Dispose()
    {
        _host.Dispose();
        _dir.Dispose();
    }

    private HostResult Run(string script) =>
        _host.Run("$config = Import-ArenaConfig $cfg -NoDefault\n$PSDefaultParameterValues = @{ '*-Arena*:Config' = $config; '*-Arena*:ApiKey' = $key }\n" + script, _vars);

    private ArenaPodRestoreResult Restore(string arguments) =>
        Run("Restore-ArenaPod " + arguments + " -Source $backups -Confirm:$false").Output.OfType<ArenaPodRestoreResult>().Single();

    private ArenaPodSaveResult Save(string name, string label) =>
        Run($"Save-ArenaPodWork -Name {name} -Label {label} -Force").Output.OfType<ArenaPodSaveResult>().Single();

    private string PodId(string name) => Run($"(Get-ArenaPod -Name {name}).Id").Output.Cast<string>().Single();
    private string Home(string name) => _ssh.Sandbox!.PodHome(PodId(name));
    private string Repo(string name) => Path.Combine(Home(name), "course");

    private static string Git(string cwd, params string[] args) => GitRepo.Git(cwd, args);

    private string OriginBranch(string branch) => Git(_dir.Path, "--git-dir", _origin, "rev-parse", "--verify", "-q", "refs/heads/" + branch).Trim();

    private static readonly string[] Author = { "-c", "user.name=p", "-c", "user.email=p@p" };

    [SkippableFact]
    public void An_unchanged_pod_still_gets_its_days_branch_at_its_current_commit_so_a_restore_finds_it()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null; Initialize-ArenaPod -Name alpha -Force | Out-Null");
        var head = Git(Repo("alpha"), "rev-parse", "HEAD").Trim();

        var saved = Save("alpha", "w1d3");
        var restored = Restore("-Name alpha -FromBranch w1d3 -SkipFiles");

        Assert.True(saved.Succeeded, saved.Error);
        Assert.Equal(ArenaSaveStatus.NothingToCommit, saved.Status);
        Assert.Equal("autocommit-camp-w1d3-alpha", saved.Branch);
        Assert.Equal(head, saved.Commit);
        Assert.Equal(head, OriginBranch("autocommit-camp-w1d3-alpha"));
        Assert.True(restored.Succeeded, restored.Error);
        Assert.Equal(ArenaBranchRestoreStatus.UpToDate, restored.BranchStatus);
        Assert.Equal(head, restored.BranchCommit);
    }

    [SkippableFact]
    public void A_missing_branch_is_said_so_and_the_backups_files_still_come_back()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null; Initialize-ArenaPod -Name alpha -Force | Out-Null");
        File.WriteAllText(Path.Combine(Home("alpha"), "notes.txt"), "kept");
        Run("Backup-ArenaPod -Name alpha -Label w1 -Destination $backups | Out-Null");
        File.Delete(Path.Combine(Home("alpha"), "notes.txt"));

        var restored = Restore("-Name alpha -FromBranch nosave -Label w1");

        Assert.False(restored.Succeeded);
        Assert.Equal("Branch", restored.FailedStep);
        Assert.Equal("BranchNotFound", restored.ErrorId);
        Assert.Equal(ArenaBranchRestoreStatus.NotFound, restored.BranchStatus);
        Assert.Contains("autocommit-camp-nosave-alpha is not on origin", restored.Error);
        Assert.Contains("files are restored all the same", restored.Error);
        Assert.Equal("kept", File.ReadAllText(Path.Combine(Home("alpha"), "notes.txt")));
        Assert.True(restored.Files >= 1);
    }

    [SkippableFact]
    public void A_replacement_whose_branch_is_missing_does_every_other_step_and_gives_no_advice_to_run_again()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null; Initialize-ArenaPod -Name alpha -Force | Out-Null");
        File.WriteAllText(Path.Combine(Home("alpha"), "notes.txt"), "kept");
        Run("Backup-ArenaPod -Name alpha -Label w1 -Destination $backups | Out-Null");
        var oldId = PodId("alpha");

        var result = Assert.Single(Run("Repair-ArenaPod -Name alpha -BackupSource $backups -FromBranch nosave -TestCommand true -Force").Output.OfType<ArenaPodRepairResult>());

        Assert.False(result.Succeeded);
        Assert.Equal("Restore", result.FailedStep);
        Assert.Equal("BranchNotFound", result.ErrorId);
        Assert.DoesNotContain("again", result.Error);
        Assert.Contains("otherwise done", result.Error);
        Assert.NotEqual(oldId, PodId("alpha"));
        Assert.False(result.Steps.Single(s => s.Step == "Restore").Succeeded);
        Assert.True(result.Steps.Single(s => s.Step == "Test").Succeeded);
        Assert.Equal("kept", File.ReadAllText(Path.Combine(Home("alpha"), "notes.txt")));
        Assert.True(File.Exists(Path.Combine(Repo("alpha"), "README.md")));
        // Nothing is left for a second run to carry on.
        Assert.False(File.Exists(Path.Combine(_ssh.DataDir!.Path, "repairs.json")) && File.ReadAllText(Path.Combine(_ssh.DataDir.Path, "repairs.json")).Contains("camp-alpha"));
    }

    [SkippableFact]
    public void A_branch_another_participant_force_pushed_is_refused_as_BranchChanged_naming_the_planted_commit()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 2 -Force | Out-Null; Initialize-ArenaPod -Name * -Force | Out-Null");
        File.WriteAllText(Path.Combine(Repo("alpha"), "solution.py"), "print('alpha')\n");
        var saved = Save("alpha", "w1d5");
        Assert.Equal(ArenaSaveStatus.Pushed, saved.Status);

        // The attack: bravo's participant, with the deploy key every pod shares, rewrites alpha's branch
        // in the shared origin with a planted sitecustomize.py on top of alpha's own work.
        var bravo = Repo("bravo");
        Git(bravo, "fetch", "-q", "origin", "refs/heads/autocommit-camp-w1d5-alpha");
        Git(bravo, "checkout", "-q", "-b", "plant", "FETCH_HEAD");
        File.WriteAllText(Path.Combine(bravo, "sitecustomize.py"), "import os; os.system('id > /tmp/owned')\n");
        Git(bravo, "add", "sitecustomize.py");
        Git(bravo, Author.Concat(new[] { "commit", "-q", "-m", "tidy up" }).ToArray());
        var planted = Git(bravo, "rev-parse", "HEAD").Trim();
        Git(bravo, "push", "-q", "-f", "origin", "HEAD:refs/heads/autocommit-camp-w1d5-alpha");
        Assert.Equal(planted, OriginBranch("autocommit-camp-w1d5-alpha"));

        // alpha's pod loses its repo (a stop), is set up again, and its work is asked back from the branch.
        Directory.Delete(Repo("alpha"), recursive: true);
        Run("Initialize-ArenaPod -Name alpha -Force | Out-Null");
        var before = Git(Repo("alpha"), "rev-parse", "HEAD").Trim();
        var refused = Restore("-Name alpha -FromBranch w1d5 -SkipFiles");

        Assert.False(refused.Succeeded);
        Assert.Equal("BranchChanged", refused.ErrorId);
        Assert.Equal(ArenaBranchRestoreStatus.Refused, refused.BranchStatus);
        Assert.Contains(saved.Commit!.Substring(0, 12), refused.Error);
        Assert.Contains(planted, refused.Error);
        Assert.Contains("tidy up", refused.Error);
        Assert.Equal(new[] { planted + " tidy up" }, refused.UnsavedCommits);
        Assert.False(File.Exists(Path.Combine(Repo("alpha"), "sitecustomize.py")));
        Assert.Equal(before, Git(Repo("alpha"), "rev-parse", "HEAD").Trim());

        // The organiser who looked at the commits can still take the branch as it is.
        var forced = Restore("-Name alpha -FromBranch w1d5 -SkipFiles -Force");
        Assert.True(forced.Succeeded, forced.Error);
        Assert.Equal(planted, forced.BranchCommit);
    }

    [SkippableFact]
    public void Setting_a_pod_up_again_keeps_the_participants_uncommitted_edits_and_local_commits_on_named_branches()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null; Initialize-ArenaPod -Name alpha -Force | Out-Null");
        var repo = Repo("alpha");
        File.WriteAllText(Path.Combine(repo, "mine.py"), "print('mine')\n");
        Git(repo, "add", "mine.py");
        Git(repo, Author.Concat(new[] { "commit", "-q", "-m", "my own commit" }).ToArray());
        var local = Git(repo, "rev-parse", "HEAD").Trim();
        File.WriteAllText(Path.Combine(repo, "README.md"), "my edit\n");

        var result = Run("Initialize-ArenaPod -Name alpha -Force").Output.OfType<ArenaPodSetupResult>().Single();
        var kept = Git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads/arena-kept/").Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(2, kept.Length);
        var edits = kept.Single(k => !k.EndsWith("-main", StringComparison.Ordinal));
        var commits = kept.Single(k => k.EndsWith("-main", StringComparison.Ordinal));
        Assert.Equal("my edit\n", Git(repo, "show", edits + ":README.md"));
        Assert.Equal("print('mine')\n", Git(repo, "show", edits + ":mine.py"));
        Assert.Equal(local, Git(repo, "rev-parse", commits).Trim());
        Assert.Equal(kept.OrderBy(k => k, StringComparer.Ordinal), result.KeptBranches.OrderBy(k => k, StringComparer.Ordinal));
        // The reset still happened: the repo is origin's again.
        Assert.Equal("course\n", File.ReadAllText(Path.Combine(repo, "README.md")));
        Assert.False(File.Exists(Path.Combine(repo, "mine.py")));

        // A repo with nothing of the participant's keeps nothing.
        var again = Run("Initialize-ArenaPod -Name alpha -Force").Output.OfType<ArenaPodSetupResult>().Single();
        Assert.Empty(again.KeptBranches);
    }

    [SkippableFact]
    public void WhatIf_and_the_prompt_name_the_pods_with_uncommitted_work_and_what_happens_to_it()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 2 -Force | Out-Null; Initialize-ArenaPod -Name * -Force | Out-Null");
        File.WriteAllText(Path.Combine(Repo("alpha"), "README.md"), "my edit\n");
        var prompts = new PromptingHost();
        using var interactive = new PowerShellHost(prompts);
        string Ask(string arguments)
        {
            interactive.Run("$config = Import-ArenaConfig $cfg -NoDefault\n$PSDefaultParameterValues = @{ '*-Arena*:Config' = $config; '*-Arena*:ApiKey' = $key }\nInitialize-ArenaPod -Name * " + arguments, _vars);
            return prompts.Written + string.Join("\n", prompts.Prompts);
        }

        var whatIf = Ask("-WhatIf");
        prompts.Clear();
        prompts.Answer(false);
        var asked = Ask("");

        foreach (var shown in new[] { whatIf, asked })
        {
            // camp-alpha alone: camp-bravo's repo holds nothing of its participant's.
            Assert.Contains("Uncommitted work on camp-alpha (1 changed file(s)) is committed to a branch arena-kept/<time>", shown);
            Assert.Contains("before the reset to origin/main", shown);
            Assert.DoesNotContain("camp-bravo (1", shown);
        }
        Assert.Contains("What if:", whatIf);
        Assert.Single(prompts.Prompts);
        // Neither changed anything.
        Assert.Equal("my edit\n", File.ReadAllText(Path.Combine(Repo("alpha"), "README.md")));
        Assert.Equal("", Git(Repo("alpha"), "for-each-ref", "refs/heads/arena-kept/"));
    }

    [SkippableFact]
    public void A_branch_never_saved_from_this_machine_is_refused_without_Force()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null; Initialize-ArenaPod -Name alpha -Force | Out-Null");
        var head = Git(Repo("alpha"), "rev-parse", "HEAD").Trim();
        Git(_dir.Path, "--git-dir", _origin, "branch", "autocommit-camp-w1d6-alpha", head);

        var refused = Restore("-Name alpha -FromBranch w1d6 -SkipFiles");

        Assert.False(refused.Succeeded);
        Assert.Equal("BranchChanged", refused.ErrorId);
        Assert.Equal(ArenaBranchRestoreStatus.Refused, refused.BranchStatus);
        Assert.Contains("no save of autocommit-camp-w1d6-alpha is recorded", refused.Error);
    }
}
