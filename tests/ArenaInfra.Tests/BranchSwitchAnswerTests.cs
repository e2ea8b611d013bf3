using ArenaInfra.Branches;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>Set-ArenaPodBranch's reading of what a pod says: only the shapes it expects, and a switch counts only when all of it agrees.</summary>
public sealed class BranchSwitchAnswerTests
{
    private const string A = "0123456789abcdef0123456789abcdef01234567";
    private const string B = "89abcdef0123456789abcdef0123456789abcdef";

    private static string Said(params string[] lines) => string.Join("\n", lines) + "\n";

    private static readonly string[] Good =
    {
        $"ARENA-SET before {B}", "ARENA-SET was main", $"ARENA-SET remote {A}",
        "ARENA-SET branch w2d1", $"ARENA-SET head {A}", $"ARENA-SET tracking {A}", "ARENA-SET clean 0",
    };

    [Fact]
    public void A_switch_read_back_on_the_branch_at_origins_commit_and_clean_is_verified()
    {
        var answer = BranchSwitchAnswer.Read(Said(Good));
        Assert.Equal(A, answer.VerifiedHead("w2d1"));
        Assert.Equal(B, answer.Before);
        Assert.False(answer.WasAlready("w2d1", A));
        Assert.Empty(answer.Kept);
    }

    [Theory]
    [InlineData("ARENA-SET branch main")]
    [InlineData("ARENA-SET branch w2d1\u001b[2J")]
    [InlineData("ARENA-SET head " + B)]
    [InlineData("ARENA-SET head " + A + "; rm -rf ~")]
    [InlineData("ARENA-SET tracking " + B)]
    [InlineData("ARENA-SET clean 1")]
    [InlineData("ARENA-SET clean ")]
    [InlineData("ARENA-SET remote 0123456789ABCDEF0123456789ABCDEF01234567")]
    public void A_later_line_that_disagrees_or_is_not_its_shape_is_never_a_verified_switch(string hostile)
    {
        var answer = BranchSwitchAnswer.Read(Said(Good.Append(hostile).ToArray()));
        Assert.Null(answer.VerifiedHead("w2d1"));
    }

    [Fact]
    public void A_missing_line_overlong_values_and_other_output_are_not_believed()
    {
        Assert.Null(BranchSwitchAnswer.Read(Said(Good.Where(l => !l.StartsWith("ARENA-SET clean", StringComparison.Ordinal)).ToArray())).VerifiedHead("w2d1"));
        var noise = BranchSwitchAnswer.Read(Said("ARENA-SET dirty 12345678901", "ARENA-SET diverged -1", "ARENA-SET dirty " + new string('9', 300),
            "ARENA-KEPT arena-kept/20261203-120000;id", "ARENA-KEPT arena-kept/x", "  ARENA-SET missing", "ARENA-KEPT arena-kept/20261203-120000-w2d1"));
        Assert.Null(noise.Dirty);
        Assert.Null(noise.Diverged);
        Assert.False(noise.Missing);
        Assert.Equal(new[] { "arena-kept/20261203-120000-w2d1" }, noise.Kept);
        var refused = BranchSwitchAnswer.Read(Said("ARENA-SET dirty 3", "ARENA-SET diverged 2", "ARENA-SET missing"));
        Assert.Equal("3", refused.Dirty);
        Assert.Equal("2", refused.Diverged);
        Assert.True(refused.Missing);
    }

    [Fact]
    public void Nothing_changed_only_when_it_was_on_the_branch_at_that_commit_and_nothing_was_kept()
    {
        var current = BranchSwitchAnswer.Read(Said(Good.Select(l => l.Replace("before " + B, "before " + A).Replace("was main", "was w2d1")).ToArray()));
        Assert.True(current.WasAlready("w2d1", A));
        var kept = BranchSwitchAnswer.Read(Said(Good.Select(l => l.Replace("before " + B, "before " + A).Replace("was main", "was w2d1")).Append("ARENA-KEPT arena-kept/20261203-120000").ToArray()));
        Assert.False(kept.WasAlready("w2d1", A));
    }
}
