using ArenaInfra.Backup;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>The finisher that syncs and names a streamed backup's files: every file before Complete returns, and a failure never lost.</summary>
public sealed class FileFinisherTests
{
    [Fact]
    public void CompleteReturnsOnlyOnceEveryQueuedFileIsFinishedAndCounted()
    {
        var finished = 0;
        var counted = new List<int>();
        using (var finisher = new FileFinisher(threads: 4, pending: 2))
        {
            for (var i = 0; i < 50; i++)
            {
                var n = i;
                finisher.Queue(() => { Thread.Sleep(1); Interlocked.Increment(ref finished); }, () => counted.Add(n));
            }
            finisher.Complete();
            Assert.Equal(50, finished);
            Assert.Equal(Enumerable.Range(0, 50), counted.OrderBy(n => n));
        }
    }

    [Fact]
    public void AFailedFileIsNotCountedAndItsFailureIsThrownByCompleteAndByTheNextQueue()
    {
        var failedCounted = false;
        var counted = 0;
        using var finisher = new FileFinisher(threads: 1, pending: 1);
        finisher.Queue(() => throw new BackupWriteException("a", "the disk is full"), () => failedCounted = true);
        var thrown = Assert.Throws<BackupWriteException>(() =>
        {
            // The one thread takes the failing file; a later Queue meets its failure.
            for (var i = 0; i < 1000; i++)
            {
                finisher.Queue(() => { }, () => counted++);
                Thread.Sleep(1);
            }
        });
        Assert.Equal("the disk is full", thrown.Message);
        Assert.Equal("the disk is full", Assert.Throws<BackupWriteException>(finisher.Complete).Message);
        Assert.False(failedCounted);
        Assert.True(counted < 1000);
    }
}
