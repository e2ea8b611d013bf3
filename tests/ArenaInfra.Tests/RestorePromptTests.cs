using ArenaInfra.Backup;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>Restore-ArenaPod's confirmation is one English sentence, for one pod and for several; and a listing's repo marker cannot come from find.</summary>
public sealed class RestorePromptTests
{
    [Fact]
    public void The_prompt_names_one_pod_or_several_in_a_sentence()
    {
        Assert.Equal("Restore the newest backup under /b into the home of camp-alpha",
            RestoreRequest.Describe(new[] { "camp-alpha" }, "the newest backup under /b", null, false, false));
        Assert.Equal("Restore the backup 'w1' under /b into the homes of 2 pods (camp-alpha, camp-bravo), and the course repo from autocommit-x-w1-<machine>, overwriting files that are newer on the pod",
            RestoreRequest.Describe(new[] { "camp-alpha", "camp-bravo" }, "the backup 'w1' under /b", "autocommit-x-w1-<machine>", true, false));
        Assert.Equal("Restore the course repo of 2 pods (camp-alpha, camp-bravo) from autocommit-x-w1-<machine>, taking the branch as origin has it even if it changed since it was saved",
            RestoreRequest.Describe(new[] { "camp-alpha", "camp-bravo" }, null, "autocommit-x-w1-<machine>", false, true));
    }

    [Fact]
    public void A_repo_marker_is_read_only_from_the_listing_itself_and_a_path_not_plain_is_not_included()
    {
        var entries = new List<ListedEntry>();
        var markers = new List<string>();
        var text = "l 10 1.0 777 course\0ARENA-REPO included /workspace/course\0d 4096 1.0 755 course\0f 3 1.0 644 course/a b\0";
        HomeListing.Read(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)), 100, entries.Add, (_, _) => { }, markers.Add);

        Assert.Equal(new[] { "course", "course", "course/a b" }, entries.Select(e => e.Path));
        Assert.True(RepoLink.TryRead(Assert.Single(markers), out var included, out var path) && included);
        Assert.Equal("/workspace/course", path);
        Assert.True(RepoLink.TryRead("ARENA-REPO included /tmp/../etc\u001b[2J", out var bad, out _) && !bad);
        Assert.True(RepoLink.TryRead("ARENA-REPO refused", out var refused, out _) && !refused);
        Assert.False(RepoLink.TryRead("f 3 1.0 644 ARENA-REPO included /x", out _, out _));
    }
}
