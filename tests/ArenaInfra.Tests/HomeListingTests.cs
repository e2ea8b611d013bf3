using System.Diagnostics;
using System.Text;
using ArenaInfra.Backup;
using ArenaInfra.Backup.Tar;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

public sealed class HomeListingTests
{
    private static (List<ListedEntry> Entries, List<(string Path, string Why)> Bad, bool Stopped) Read(byte[] output, int max = 100)
    {
        var entries = new List<ListedEntry>();
        var bad = new List<(string, string)>();
        var stopped = HomeListing.Read(new MemoryStream(output), max, entries.Add, (p, w) => bad.Add((p, w)));
        return (entries, bad, stopped);
    }

    [Fact]
    public void Records_give_type_size_time_to_100_ns_mode_and_path_with_spaces_and_newlines()
    {
        var (entries, bad, stopped) = Read(Encoding.UTF8.GetBytes("d 4096 1767225600.5 755 work\0f 12 1767225601.1234567891 600 work/a b\nc.txt\0"));

        Assert.Empty(bad);
        Assert.False(stopped);
        Assert.Equal('d', entries[0].Type);
        Assert.Equal(new[] { "work", "a b\nc.txt" }, entries[1].Parts);
        Assert.Equal(12, entries[1].Size);
        Assert.Equal(Convert.ToInt32("600", 8), entries[1].Mode);
        Assert.Equal(new DateTime(2026, 1, 1, 0, 0, 1, DateTimeKind.Utc).AddTicks(1234567), entries[1].ModifiedUtc);
    }

    [Fact]
    public void Malformed_records_are_named_and_left_out_and_the_rest_is_read()
    {
        var output = Encoding.UTF8.GetBytes("f x 1 600 bad-size\0f 1 1e400 600 bad-time\0f 1 1 999 bad-mode\0f 1 1 600 /etc/passwd\0f 1 1 600 ok\0")
            .Concat(new byte[] { (byte)'f', (byte)' ', (byte)'1', (byte)' ', (byte)'1', (byte)' ', (byte)'6', (byte)'0', (byte)'0', (byte)' ', 0xff, 0xfe, 0 }).ToArray();

        var (entries, bad, _) = Read(output);

        Assert.Equal(new[] { "ok" }, entries.Select(e => e.Path));
        Assert.Equal(5, bad.Count);
        Assert.Contains(bad, b => b.Why.Contains("not valid UTF-8"));
        Assert.Contains(bad, b => b.Path == "/etc/passwd" && b.Why.Contains("not relative"));
    }

    [Fact]
    public void A_listing_without_end_stops_at_the_entry_cap_and_a_record_without_end_at_its_length_cap()
    {
        var many = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 50).Select(i => $"f 1 1 600 f{i}\0")));
        var endless = Encoding.UTF8.GetBytes("f 1 1 600 " + new string('x', HomeListing.MaxRecordBytes * 2) + "\0f 1 1 600 after\0");

        var capped = Read(many, max: 10);
        var longRecord = Read(endless);

        Assert.True(capped.Stopped);
        Assert.Equal(10, capped.Entries.Count);
        Assert.Equal(new[] { "after" }, longRecord.Entries.Select(e => e.Path));
        Assert.Contains(longRecord.Bad, b => b.Why.Contains("longer than"));
    }

    [Fact]
    public void What_find_and_tar_said_on_standard_error_names_the_paths()
    {
        var problems = HomeListing.Problems("find: ‘./locked’: Permission denied\ntar: ./gone.txt: Cannot stat: No such file or directory\nsomething else\n");

        Assert.Equal("Permission denied", problems["locked"]);
        Assert.Equal("Cannot stat: No such file or directory", problems["gone.txt"]);
        Assert.Equal(2, problems.Count);
    }
}
