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
