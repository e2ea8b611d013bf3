using ArenaInfra.Backup;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// BackupPlan's decisions for each listed entry, before a byte is fetched and whichever fetcher then
/// moves the bytes: what is fetched, what the backup already holds, and what is left out and why.
/// </summary>
public sealed class BackupPlanTests
{
    private static readonly DateTime Time = new(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);
    private static readonly BackupFilter Filter = new(maxDepth: 2, maxFileBytes: 1024 * 1024);

    private static ListedEntry Folder(string path) => new('d', 4096, Time, Convert.ToInt32("755", 8), path);
    private static ListedEntry File(string path, long size = 10) => new('f', size, Time, Convert.ToInt32("644", 8), path);

    private static BackupPlan Make(IEnumerable<ListedEntry> listing, params string[] held) =>
        BackupPlan.Make(listing, Filter, entry => held.Contains(entry.Path), CancellationToken.None);

    private static string[] Paths(IEnumerable<ListedEntry> entries) => entries.Select(e => e.Path).ToArray();

    [Fact]
    public void Files_the_backup_holds_are_kept_and_the_others_fetched_folders_made_in_the_listings_order()
    {
        var plan = Make(new[] { Folder("work"), File("work/old.txt"), File("work/new.txt"), Folder("work/data"), File("notes.txt") }, "work/old.txt");

        Assert.Equal(new[] { "work", "work/data" }, Paths(plan.Folders));
        Assert.Equal(new[] { "work/old.txt" }, Paths(plan.Unchanged));
        Assert.Equal(new[] { "work/new.txt", "notes.txt" }, Paths(plan.Wanted));
        Assert.Empty(plan.Skipped);
    }

    [Fact]
    public void A_file_over_the_limit_is_named_and_one_at_the_limit_is_fetched()
    {
        var plan = Make(new[] { File("at-limit.bin", 1024 * 1024), File("over-limit.bin", 1024 * 1024 + 1), File("held-but-big.bin", 5 * 1024 * 1024) }, "held-but-big.bin");

        Assert.Equal(new[] { "at-limit.bin" }, Paths(plan.Wanted));
        Assert.Empty(plan.Unchanged);
        Assert.Equal(new[] { ("over-limit.bin", "larger than 1 MB"), ("held-but-big.bin", "larger than 1 MB") }, plan.Skipped.Select(s => (s.Path, s.Reason)));
    }

    [Fact]
    public void A_folder_too_deep_is_named_once_and_everything_below_it_left_out_silently()
    {
        var plan = Make(new[]
        {
            Folder("d1"), Folder("d1/d2"), File("d1/d2/kept.txt"), Folder("d1/d2/d3"), File("d1/d2/d3/below.txt"), Folder("d1/d2/d3/d4"), File("d1/d2/d3/d4/further.txt"),
        });

        Assert.Equal(new[] { "d1", "d1/d2" }, Paths(plan.Folders));
        Assert.Equal(new[] { "d1/d2/kept.txt" }, Paths(plan.Wanted));
        Assert.Equal(new[] { ("d1/d2/d3", "the folder is nested deeper than 2 levels") }, plan.Skipped.Select(s => (s.Path, s.Reason)));
    }

    [Fact]
    public void A_name_no_local_disk_can_keep_is_named_printably_and_its_folder_left_out_with_all_in_it()
    {
        var plan = Make(new[]
        {
            Folder("ok"), File("ok/bad\u0007bell.txt"), Folder("ends-with-dot."), File("ends-with-dot./inside.txt"), Folder("ends-with-dot./sub"), File("ends-with-dot./sub/deeper.txt"), File("ok/fine.txt"),
        });

        Assert.Equal(new[] { "ok" }, Paths(plan.Folders));
        Assert.Equal(new[] { "ok/fine.txt" }, Paths(plan.Wanted));
        Assert.Equal(2, plan.Skipped.Count);
        Assert.Equal("ok/bad?bell.txt", plan.Skipped[0].Path);
        Assert.Contains("control character", plan.Skipped[0].Reason);
        Assert.EndsWith("which no local disk can keep", plan.Skipped[0].Reason);
        Assert.Equal("ends-with-dot.", plan.Skipped[1].Path);
        Assert.Contains("ends with a dot", plan.Skipped[1].Reason);
    }

    [Fact]
    public void Links_sockets_and_devices_are_passed_over_without_a_word()
    {
        var plan = Make(new[] { new ListedEntry('l', 7, Time, 511, "link-to-etc"), new ListedEntry('s', 0, Time, 493, "socket"), new ListedEntry('o', 0, Time, 420, "device"), File("real.txt") });

        Assert.Equal(new[] { "real.txt" }, Paths(plan.Wanted));
        Assert.Empty(plan.Folders);
        Assert.Empty(plan.Skipped);
    }

    [Fact]
    public void The_sizes_count_what_is_fetched_and_what_is_held()
    {
        var plan = Make(new[] { Folder("f"), File("f/a", 100), File("f/b", 5000), File("f/c", 700) }, "f/c");

        Assert.Equal(5100, plan.WantedBytes);
        Assert.Equal(5800, plan.TotalBytes);
        // Files rounded up to whole 4 KiB blocks (4096 + 8192), a block for the folder, 128 bytes a path, and the spare.
        Assert.Equal(4096 + 8192 + 4096 + 4 * 128 + 64 * 1024 + 1024 * 1024, plan.DiskBytes);
        Assert.Equal("f/b (0.0 MB), f/c (0.0 MB)", plan.Largest(2));
    }

    [Fact]
    public void A_cancelled_plan_stops()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => BackupPlan.Make(new[] { File("a") }, Filter, _ => false, cancelled.Token));
    }

    [Fact]
    public void A_run_plans_against_its_backup_folder_same_size_and_time_within_a_second_is_held()
    {
        using var dir = new TempDir();
        var root = Path.Combine(dir.Path, "pod");
        Directory.CreateDirectory(root);
        void Keep(string name, int size, DateTime time)
        {
            System.IO.File.WriteAllBytes(Path.Combine(root, name), new byte[size]);
            System.IO.File.SetLastWriteTimeUtc(Path.Combine(root, name), time);
        }
        Keep("same.txt", 10, Time.AddMilliseconds(900));
        Keep("resized.txt", 11, Time);
        Keep("touched.txt", 10, Time.AddSeconds(2));
        var run = new BackupRun(new BackupFolder(root), 1024 * 1024, 2, 100, new ArenaPodBackupResult());

        var plan = run.Plan(new List<ListedEntry> { File("same.txt"), File("resized.txt"), File("touched.txt"), File("absent.txt"), File("big.bin", 2 * 1024 * 1024) }, CancellationToken.None);

        Assert.Equal(new[] { "same.txt" }, Paths(plan.Unchanged));
        Assert.Equal(new[] { "resized.txt", "touched.txt", "absent.txt" }, Paths(plan.Wanted));
        // What the plan leaves out is the run's to report at once, even if the pod then does not fit.
        Assert.Equal(new[] { "big.bin" }, run.Skipped.Select(s => s.Path));
    }
}
