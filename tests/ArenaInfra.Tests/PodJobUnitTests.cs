using ArenaInfra.Jobs;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>The job folder's values judged and the log split, without a pod.</summary>
public sealed class PodJobUnitTests
{
    private static readonly ArenaPod Pod = new() { Name = "camp-alpha", Id = "p1" };

    [Theory]
    [InlineData("20261203T101500-3fa9c2d1", true)]
    [InlineData("20261203T101500-3fa9c2d1\n", false)]
    [InlineData("20261203T101500-3FA9C2D1", false)]
    [InlineData("20261203T101500-3fa9c2d1;id", false)]
    [InlineData("../20261203T101500-3fa9c2", false)]
    public void Only_the_strict_shape_is_a_job_id(string id, bool valid) => Assert.Equal(valid, JobId.IsValid(id));

    [Fact]
    public void A_new_id_has_the_shape() => Assert.True(JobId.IsValid(JobId.New(DateTime.UtcNow)));

    [Theory]
    [InlineData(true, null, false, ArenaPodJobState.Running, null)]
    [InlineData(false, "0\n", false, ArenaPodJobState.Completed, 0)]
    [InlineData(false, "7\n", false, ArenaPodJobState.Failed, 7)]
    [InlineData(false, null, true, ArenaPodJobState.Stopped, null)]
    [InlineData(false, null, false, ArenaPodJobState.Lost, null)]
    [InlineData(false, "256\n", false, ArenaPodJobState.Unknown, null)]
    [InlineData(false, "99999999999999999999", false, ArenaPodJobState.Unknown, null)]
    [InlineData(false, "0\u001b[2J", false, ArenaPodJobState.Unknown, null)]
    [InlineData(false, "", false, ArenaPodJobState.Unknown, null)]
    public void The_state_is_judged_from_what_is_known(bool alive, string? exit, bool stopped, ArenaPodJobState state, int? code)
    {
        var job = JobRecords.Job(Pod, "20261203T101500-3fa9c2d1", alive, "1764756900", null, exit, stopped, "echo hi");
        Assert.Equal(state, job.State);
        Assert.Equal(code, job.ExitCode);
    }

    [Fact]
    public void Forged_lines_in_a_listing_are_not_jobs()
    {
        var listing = "ARENA-JOB 20261203T101500-3fa9c2d1 0 - - - 300a 0 -\n"
            + "ARENA-JOB 20261203T101500-3fa9c2d2 0 - - - 300a 0 - extra\n"
            + "ARENA-JOB 20261203T101500-3fa9c2dz 0 - - - 300a 0 -\n"
            + "ARENA-JOB 20261203T101500-3fa9c2d3 0 - 3137303030303030303020 - 300a 0 -\n";
        var (jobs, _) = JobRecords.ParseList(listing, Pod);
        Assert.Equal(new[] { "20261203T101500-3fa9c2d1", "20261203T101500-3fa9c2d3" }, jobs.Select(j => j.JobId));
        Assert.Equal(ArenaPodJobState.Completed, jobs[0].State);
        Assert.Null(jobs[1].Started);
    }

    [Fact]
    public void Lines_are_complete_or_held_back_and_binary_is_replaced()
    {
        var bytes = new byte[] { (byte)'a', (byte)'\n', 0xff, 0xfe, (byte)'\r', (byte)'\n', (byte)'c' };
        var (lines, used) = JobLines.Complete(bytes, takeUnfinished: false);
        Assert.Equal(new[] { "a", "\ufffd\ufffd" }, lines);
        Assert.Equal(6, used);
        Assert.Equal(new[] { "a", "\ufffd\ufffd", "c" }, JobLines.Complete(bytes, takeUnfinished: true).Lines);
        Assert.Equal("?[2J", new ArenaPodJobOutput("p", "i", "\u001b[2J").Line);
    }

    [Fact]
    public void A_read_is_taken_only_whole_and_within_its_cap()
    {
        var chunk = JobLogChunk.Parse("motd\nARENA-JOB-READ 1 10 4\n 61 62\n 0a\nARENA-JOB-END\n", 1024);
        Assert.Null(chunk.Problem);
        Assert.Equal(new byte[] { 0x61, 0x62, 0x0a }, chunk.Bytes);
        Assert.Equal(4, chunk.Start);
        Assert.True(chunk.Alive);
        Assert.NotNull(JobLogChunk.Parse("ARENA-JOB-READ 1 10 4\n 61 62\n", 1024).Problem);
        Assert.NotNull(JobLogChunk.Parse("ARENA-JOB-READ 1 10 4\n 61 zz\nARENA-JOB-END\n", 1024).Problem);
        Assert.Equal(2, JobLogChunk.Parse("ARENA-JOB-READ 0 10 0\n 61 62 63\nARENA-JOB-END\n", 2).Bytes.Length);
        Assert.NotNull(JobLogChunk.Parse("ARENA-JOB-BADLOG\n", 2).Problem);
    }
}
