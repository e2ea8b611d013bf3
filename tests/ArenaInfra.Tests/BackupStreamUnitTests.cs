using System.Diagnostics;
using System.Text;
using ArenaInfra.Backup;
using ArenaInfra.Backup.Tar;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>The two things a pod writes for a streamed backup, read strictly: its tar stream and its listing.</summary>
public sealed class TarStreamReaderTests
{
    private static List<(TarEntry Entry, byte[] Data)> ReadAll(byte[] archive)
    {
        var reader = new TarStreamReader(new MemoryStream(archive));
        var entries = new List<(TarEntry, byte[])>();
        for (var entry = reader.Next(); entry != null; entry = reader.Next())
        {
            using var data = new MemoryStream();
            reader.CopyData(data);
            entries.Add((entry, data.ToArray()));
        }
        return entries;
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Reads_what_GNU_tar_writes_long_unicode_names_and_empty_files_included()
    {
        using var dir = new TempDir();
        // Over 100 bytes, with multi-byte characters across where a header's name field would end.
        var longName = string.Concat(Enumerable.Repeat("ü日", 40)) + ".txt";
        File.WriteAllText(Path.Combine(dir.Path, longName), "long");
        File.WriteAllText(Path.Combine(dir.Path, "empty.txt"), "");
        File.WriteAllBytes(Path.Combine(dir.Path, "big.bin"), Enumerable.Range(0, 70000).Select(i => (byte)i).ToArray());
        var info = new ProcessStartInfo("tar") { WorkingDirectory = dir.Path, RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in new[] { "-cf", "-", "--format=gnu", "--no-recursion", "--null", "-T", "-" }) info.ArgumentList.Add(a);
        using var tar = Process.Start(info)!;
        var names = new UTF8Encoding(false).GetBytes($"./{longName}\0./empty.txt\0./big.bin\0");
        tar.StandardInput.BaseStream.Write(names);
        tar.StandardInput.Close();
        using var archive = new MemoryStream();
        tar.StandardOutput.BaseStream.CopyTo(archive);
        tar.WaitForExit();

        var entries = ReadAll(archive.ToArray());

        Assert.Equal(new[] { "./" + longName, "./empty.txt", "./big.bin" }, entries.Select(e => e.Entry.Name));
        Assert.All(entries, e => Assert.True(e.Entry.IsRegularFile));
        Assert.Equal("long", Encoding.UTF8.GetString(entries[0].Data));
        Assert.Empty(entries[1].Data);
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir.Path, "big.bin")), entries[2].Data);
    }

    [Fact]
    public void Links_and_folders_are_read_as_what_they_are_so_the_caller_can_refuse_them()
    {
        var entries = ReadAll(new TarBuilder().File("./l", "", type: '2', link: "/etc/passwd").File("./h", "", type: '1', link: "./x").File("./d/", "", type: '5').End());

        Assert.Equal(new[] { "a symbolic link", "a hard link", "a folder" }, entries.Select(e => e.Entry.Kind));
        Assert.All(entries, e => Assert.False(e.Entry.IsRegularFile));
    }

    [Fact]
    public void A_header_with_a_wrong_checksum_ends_the_stream()
    {
        var archive = new TarBuilder().File("./a", "data").End();
        archive[0] ^= 1;

        var error = Assert.Throws<TarFormatException>(() => ReadAll(archive));

        Assert.Contains("checksum", error.Message);
    }

    [Fact]
    public void A_long_name_bigger_than_any_path_is_refused_before_it_is_read()
    {
        var name = new string('n', TarStreamReader.MaxNameBytes + 10);

        var error = Assert.Throws<TarFormatException>(() => ReadAll(new TarBuilder().File(name, "x").End()));

        Assert.Contains("long name", error.Message);
    }

    [Fact]
    public void A_stream_cut_in_the_middle_of_a_file_is_an_error_but_cut_between_entries_is_an_end()
    {
        var whole = new TarBuilder().File("./a", new string('a', 1000)).File("./b", "b").End(endBlocks: false);

        Assert.Throws<TarFormatException>(() => ReadAll(whole.Take(512 + 700).ToArray()));
        Assert.Throws<TarFormatException>(() => ReadAll(whole.Take(1536 + 100).ToArray()));
        Assert.Equal(new[] { "./a", "./b" }, ReadAll(whole).Select(e => e.Entry.Name));
    }

    [Fact]
    public void A_size_that_is_not_a_number_is_refused()
    {
        var archive = new TarBuilder().File("./a", "data").End();
        archive[124] = (byte)'9';
        // Keep the checksum right, so that it is the number that is refused.
        Array.Fill(archive, (byte)' ', 148, 8);
        var sum = archive.Take(512).Sum(b => (long)b);
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(archive, 148);

        var error = Assert.Throws<TarFormatException>(() => ReadAll(archive));

        Assert.Contains("size", error.Message);
    }
}

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
