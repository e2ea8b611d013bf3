using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>The one progress bar every batch shows (RunEach, the SSH fleet runner, Wait-ArenaPod).</summary>
public sealed class BatchProgressTests
{
    private readonly List<ProgressRecord> _written = new();

    [Fact]
    public void Names_the_items_still_at_work_and_counts_each_one_finished()
    {
        var progress = new ArenaCmdlet.BatchProgress(_written.Add, "Testing pods", 2, atWork: new[] { "camp-bravo", "camp-alpha" });

        progress.Show(0);
        progress.Finished("camp-alpha");
        progress.Finished("camp-bravo");
        progress.Complete();

        Assert.Equal(new[] { "0 of 2 done", "1 of 2 done", "2 of 2 done", "2 of 2 done" }, _written.Select(r => r.StatusDescription));
        Assert.Equal(new[] { "still at work: camp-alpha, camp-bravo", "still at work: camp-bravo", "", "" }, _written.Select(r => r.CurrentOperation));
        Assert.Equal(new[] { 0, 50, 100, 100 }, _written.Select(r => r.PercentComplete));
        Assert.Equal(ProgressRecordType.Completed, _written[^1].RecordType);
        Assert.All(_written.Take(3), r => Assert.Equal(ProgressRecordType.Processing, r.RecordType));
        Assert.All(_written, r => Assert.Equal("Testing pods", r.Activity));
        Assert.Single(_written.Select(r => r.ActivityId).Distinct());
    }

    [Fact]
    public void Each_record_written_keeps_what_it_showed_as_the_bar_moves_on()
    {
        var progress = new ArenaCmdlet.BatchProgress(_written.Add, "Waiting for pods", 3, "ready");

        progress.Show(0);
        progress.Show(2);

        Assert.Equal("0 of 3 ready", _written[0].StatusDescription);
        Assert.Equal(0, _written[0].PercentComplete);
        Assert.Equal("2 of 3 ready", _written[1].StatusDescription);
        Assert.Equal(66, _written[1].PercentComplete);
        Assert.NotSame(_written[0], _written[1]);
        Assert.Null(_written[1].CurrentOperation);
    }

    [Theory]
    [InlineData(0, "")]
    [InlineData(1, "still at work: p1")]
    [InlineData(5, "still at work: p1, p2, p3, p4, p5")]
    [InlineData(17, "still at work: p1, p2, p3, p4, p5 and 12 more")]
    public void Names_five_at_work_and_counts_the_rest(int count, string expected)
    {
        var names = Enumerable.Range(1, count).Select(i => $"p{i}").ToList();
        Assert.Equal(expected, ArenaCmdlet.BatchProgress.StillAtWork(names));
    }
}
