using ArenaInfra.Common.IO;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>The journals that guard an interrupted run: what they believe, and that losing one loses nothing else.</summary>
public sealed class DatedJournalTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private DatedJournal<DateTimeOffset> Journal(string name = "j.json") =>
        new(Path.Combine(_dir.Path, name), TimeSpan.FromMinutes(15), at => at);

    [Fact]
    public void An_entry_is_believed_until_MaxAge_and_an_old_one_is_dropped_on_the_next_write()
    {
        var journal = Journal();
        journal.Change(e => { e["fresh"] = DateTimeOffset.UtcNow; e["old"] = DateTimeOffset.UtcNow.AddMinutes(-20); });

        Assert.Equal(new[] { "fresh" }, journal.Fresh().Keys);
        journal.Change(_ => { });
        Assert.DoesNotContain("old", File.ReadAllText(journal.FilePath), StringComparison.Ordinal);
        Assert.Contains("fresh", File.ReadAllText(journal.FilePath), StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_ours_reads_as_empty_and_the_next_write_replaces_it()
    {
        var journal = Journal();
        File.WriteAllText(journal.FilePath, "{ not json");
        Assert.Empty(journal.Fresh());

        File.WriteAllText(journal.FilePath, "{\"a\": \"" + new string('x', 5 * 1024 * 1024) + "\"}");
        Assert.Empty(journal.Fresh());

        journal.Change(e => e["b"] = DateTimeOffset.UtcNow);
        Assert.Equal(new[] { "b" }, journal.Fresh().Keys);
        Assert.True(new FileInfo(journal.FilePath).Length < 1024);
    }

    [Fact]
    public void Parallel_changes_from_one_batch_all_land()
    {
        var journal = Journal();
        Parallel.For(0, 40, i => journal.Change(e => e[$"pod{i}"] = DateTimeOffset.UtcNow));
        Assert.Equal(40, journal.Fresh().Count);
    }
}
