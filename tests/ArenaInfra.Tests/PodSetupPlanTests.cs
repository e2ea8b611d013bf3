using ArenaInfra.Config;
using ArenaInfra.Operations;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>Initialize-ArenaPod's plan, made from the config alone: what it puts on a pod, and what it says before a reset.</summary>
public sealed class PodSetupPlanTests
{
    private static ArenaConfig Config() => ConfigLoader.Defaults()
        .With("SharedKeyPath", "/keys/shared", ArenaConfigSource.Default)
        .With("RepoOwner", "course", ArenaConfigSource.Default)
        .With("RepoName", "labs", ArenaConfigSource.Default)
        .With("DefaultBranch", "week-2", ArenaConfigSource.Default)
        .With("GitKeyRemotePath", "~/.ssh/deploy", ArenaConfigSource.Default);

    private static ArenaPodRepoState State(string name, int changed = 0, int commits = 0, bool succeeded = true) =>
        new() { Name = name, Succeeded = succeeded, HasRepo = true, ChangedFiles = changed, LocalCommits = commits };

    [Fact]
    public void The_plan_takes_the_repo_branch_and_key_paths_from_the_config()
    {
        var plan = PodSetupPlan.From(Config());

        Assert.Equal("/keys/shared", plan.GitKeyPath);
        Assert.Equal("~/.ssh/deploy", plan.GitKeyRemotePath);
        Assert.Equal("labs", plan.RepoName);
        Assert.Equal("git@github.com:course/labs.git", plan.RepoUrl);
        Assert.Equal("week-2", plan.Branch);
        Assert.Empty(plan.Skip);
        Assert.Equal("CopyKey, SshConfig, Git, Workspace, Name, VsCode", plan.StepsToRun);
        Assert.Equal(new[] { "ms-python.python", "ms-python.vscode-pylance", "ms-toolsai.jupyter" }, plan.VsCodeExtensions);
        Assert.Equal("https://update.code.visualstudio.com", plan.VsCode!.BaseUrl);
        Assert.True(plan.ResetsRepos);
        Assert.Empty(plan.GitKey);
    }

    [Fact]
    public void A_given_key_path_wins_and_skipped_steps_match_in_any_case()
    {
        var plan = PodSetupPlan.From(Config(), new[] { "git", "NAME", "vscode" }, "/elsewhere/deploy");
        var off = PodSetupPlan.From(Config().With("WorkspaceRepo", false, ArenaConfigSource.Default).With("VsCodePreinstall", false, ArenaConfigSource.Default));

        Assert.Equal("/elsewhere/deploy", plan.GitKeyPath);
        Assert.Equal("CopyKey, SshConfig, Workspace", plan.StepsToRun);
        Assert.Equal("CopyKey, SshConfig, Git, Name", off.StepsToRun);
        Assert.Null(off.VsCode);
        Assert.False(plan.ResetsRepos);
        Assert.Contains("Git", plan.Skip);
    }

    [Fact]
    public void The_key_is_read_only_when_its_step_runs_and_a_missing_one_is_SshKeyNotFound()
    {
        using var dir = new TempDir();
        var missing = PodSetupPlan.From(Config(), gitKeyPath: Path.Combine(dir.Path, "none"));
        var error = Assert.Throws<ArenaException>(missing.ReadGitKey);
        Assert.Equal(ArenaErrorIds.SshKeyNotFound, error.ErrorId);

        var skipped = PodSetupPlan.From(Config(), new[] { "CopyKey" }, Path.Combine(dir.Path, "none"));
        skipped.ReadGitKey();
        Assert.Empty(skipped.GitKey);

        var present = PodSetupPlan.From(Config(), gitKeyPath: dir.Write("deploy", "KEY"));
        present.ReadGitKey();
        Assert.Equal("KEY"u8.ToArray(), present.GitKey);
    }

    [Fact]
    public void The_operations_carry_the_timeouts_and_the_repo_check_takes_a_minute_at_most()
    {
        var plan = PodSetupPlan.From(Config());

        Assert.Equal(TimeSpan.FromSeconds(600), plan.Operation(TimeSpan.FromSeconds(600)).Timeout);
        Assert.Equal(TimeSpan.FromSeconds(60), plan.RepoStateCheck(TimeSpan.FromSeconds(600)).Timeout);
        Assert.Equal(TimeSpan.FromSeconds(20), plan.RepoStateCheck(TimeSpan.FromSeconds(20)).Timeout);
    }

    [Fact]
    public void The_reset_notice_names_the_pods_with_work_in_name_order_and_those_that_could_not_be_checked()
    {
        var plan = PodSetupPlan.From(Config());

        var notice = plan.ResetNotice(new[] { State("camp-charlie", commits: 1), State("camp-alpha"), State("camp-bravo", changed: 2, commits: 3), State("camp-delta", succeeded: false) });

        Assert.Equal(". Uncommitted work on camp-bravo (2 changed file(s), 3 local commit(s)), camp-charlie (1 local commit(s)) is committed to a branch arena-kept/<time> in its repo, "
            + "and the branch named in the result, before the reset to origin/week-2; camp-delta could not be checked (any work there is kept the same way)", notice);
        Assert.Equal(". No course repo holds uncommitted work", plan.ResetNotice(new[] { State("camp-alpha") }));
    }
}
