using System.Diagnostics;
using ArenaInfra.Backup;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// What a backup keeps of a home, as one table: BackupFilter's own answer for each path, the pod's
/// find run with the command HomeListing sends, and the backup folder's walk for a restore, all on the
/// same tree, so the three ways a home is looked at cannot drift apart.
/// </summary>
public sealed class BackupFilterTests
{
    /// <summary>Two levels of folders kept, so a listing goes three deep.</summary>
    private static readonly BackupFilter Filter = new(maxDepth: 2, maxFileBytes: 1024 * 1024);

    /// <summary>A home: each path, what it is (f a file, d a folder, l a link to a folder), and whether a listing holds it.</summary>
    public static readonly TheoryData<string, char, bool> Home = new()
    {
        { "notes.txt", 'f', true },
        { ".bashrc", 'f', true },
        { ".cache", 'd', false },
        { ".cache/pip", 'd', false },
        { ".cache/pip/junk", 'f', false },
        { "work", 'd', true },
        { "work/.gitignore", 'f', true },
        { "work/.git", 'd', false },
        { "work/.git/config", 'f', false },
        { "work/site-packages", 'f', true },
        { "venv", 'd', true },
        { "venv/site-packages", 'd', false },
        { "venv/site-packages/torch.py", 'f', false },
        { "site-packages-notes", 'd', true },
        { "site-packages-notes/a.txt", 'f', true },
        { "Site-Packages", 'd', true },
        { "a.b", 'd', true },
        { "a.b/c", 'f', true },
        { "..double", 'd', false },
        { "..double/x", 'f', false },
        { ". dot then space", 'd', false },
        { ". dot then space/x", 'f', false },
        { "my project", 'd', true },
        { "my project/with space.txt", 'f', true },
        { "my project/ .space then dot", 'd', true },
        { "my project/ .space then dot/x", 'f', true },
        { ".link-to-work", 'l', true },
        { "d1", 'd', true },
        { "d1/d2", 'd', true },
        { "d1/d2/file.txt", 'f', true },
        { "d1/d2/.hidden-at-depth", 'd', false },
        { "d1/d2/.hidden-at-depth/x", 'f', false },
        { "d1/d2/.hidden-file-at-depth", 'f', true },
        { "d1/d2/d3", 'd', true },
        { "d1/d2/d3/too-deep.txt", 'f', false },
    };

    private static IEnumerable<(string Path, char Kind, bool Listed)> Rows() =>
        Home.Select(row => ((string)row[0], (char)row[1], (bool)row[2]));

    [Theory]
    [MemberData(nameof(Home))]
    public void The_filter_lists_a_path_unless_a_folder_on_its_way_is_hidden_or_site_packages_or_it_is_too_deep(string path, char kind, bool listed)
    {
        Assert.Equal(listed, Filter.Lists(path.Split('/'), isFolder: kind == 'd'));
    }

    [Theory]
    [InlineData(".cache", true)]
    [InlineData(".", true)]
    [InlineData("..double", true)]
    [InlineData(". dot then space", true)]
    [InlineData("site-packages", true)]
    [InlineData("Site-Packages", false)]
    [InlineData("site-packages-notes", false)]
    [InlineData("my site-packages", false)]
    [InlineData(" .space then dot", false)]
    [InlineData("a.b", false)]
    [InlineData("work", false)]
    public void A_folder_is_left_out_by_its_name_alone(string name, bool leftOut)
    {
        Assert.Equal(leftOut, BackupFilter.LeavesOutFolder(name));
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1024 * 1024 - 1, false)]
    [InlineData(1024 * 1024, false)]
    [InlineData(1024 * 1024 + 1, true)]
    public void A_file_is_too_big_only_past_the_limit(long size, bool tooBig)
    {
        Assert.Equal(tooBig, Filter.IsTooBig(size));
    }

    [Fact]
    public void Folders_are_kept_to_the_depth_and_listed_one_level_past_it()
    {
        Assert.False(Filter.IsTooDeep(2));
        Assert.True(Filter.IsTooDeep(3));
        Assert.Equal(3, Filter.ListingDepth);
        Assert.Equal("the folder is nested deeper than 2 levels", Filter.TooDeepReason);
        Assert.Equal("larger than 1 MB", Filter.TooBigReason);
        Assert.Equal(long.MaxValue, new BackupFilter(32).MaxFileBytes);
        Assert.False(Filter.Lists(Array.Empty<string>(), isFolder: true));
    }

    [Fact]
    public void The_pods_listing_command_is_the_one_the_backup_has_always_sent()
    {
        Assert.Equal(
            "sh -c 'tar --version 2>/dev/null | head -n 1 | grep -q \"GNU tar\" || exit 97; "
            + "find / -maxdepth 0 -printf \"\" >/dev/null 2>&1 || exit 98; "
            + "t=$(mktemp 2>/dev/null) && rm -f \"$t\" || exit 95; cd || exit 96; "
            + "exec find . -mindepth 1 -maxdepth 33 \\( -type d \\( -name \".*\" -o -name site-packages \\) -prune \\) -o -printf \"%y %s %T@ %m %P\\0\"'",
            HomeListing.Command(new BackupFilter(PodBackupOperation.MaxDepth)));
    }

    [SkippableFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void The_pods_find_lists_exactly_what_the_filter_lists()
    {
        using var home = new TempDir();
        MakeHome(home.Path);

        var (code, entries, bad) = RunListing(home.Path);

        Skip.If(code == HomeListing.NoGnuTar || code == HomeListing.NoFindPrintf, "the listing needs GNU tar and GNU find here");
        Assert.Equal(0, code);
        Assert.Empty(bad);
        Assert.Equal(Rows().Where(r => r.Listed).Select(r => r.Path).OrderBy(p => p, StringComparer.Ordinal), entries.Select(e => e.Path).OrderBy(p => p, StringComparer.Ordinal));
        Assert.All(entries, e => Assert.Equal(Rows().Single(r => r.Path == e.Path).Kind, e.Type));
    }

    [SkippableFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void The_backup_folders_walk_for_a_restore_keeps_what_the_filter_keeps()
    {
        using var root = new TempDir();
        MakeHome(root.Path);
        var skipped = new List<ArenaSkippedFile>();

        var walked = new BackupFolder(root.Path).Walk(Filter, skipped).Select(e => e.Path).ToList();

        // What a backup keeps of the listing: no folder past the depth (named), and never a link (named).
        var kept = Rows().Where(r => r.Listed && r.Kind != 'l' && !(r.Kind == 'd' && Filter.IsTooDeep(r.Path.Split('/').Length)));
        Assert.Equal(kept.Select(r => r.Path).OrderBy(p => p, StringComparer.Ordinal), walked.OrderBy(p => p, StringComparer.Ordinal));
        Assert.Contains(skipped, s => s.Path == "d1/d2/d3" && s.Reason == Filter.TooDeepReason);
        Assert.Contains(skipped, s => s.Path == ".link-to-work" && s.Reason.Contains("link"));
        Assert.Equal(2, skipped.Count);
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void MakeHome(string home)
    {
        foreach (var (path, kind, _) in Rows())
        {
            var full = Path.Combine(new[] { home }.Concat(path.Split('/')).ToArray());
            switch (kind)
            {
                case 'd':
                    Directory.CreateDirectory(full);
                    break;
                case 'f':
                    File.WriteAllText(full, path);
                    break;
                case 'l':
                    File.CreateSymbolicLink(full, "work");
                    break;
            }
        }
    }

    /// <summary>The pod's listing command run here, in a shell whose home is the given folder, read as the backup reads it.</summary>
    private static (int Code, List<ListedEntry> Entries, List<string> Bad) RunListing(string home)
    {
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(HomeListing.Command(Filter));
        start.Environment["HOME"] = home;
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var entries = new List<ListedEntry>();
        var bad = new List<string>();
        HomeListing.Read(process.StandardOutput.BaseStream, 1000, entries.Add, (path, why) => bad.Add($"{path}: {why}"));
        process.WaitForExit();
        error.Wait();
        return (process.ExitCode, entries, bad);
    }
}
