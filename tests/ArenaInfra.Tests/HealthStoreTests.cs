using ArenaInfra.Health;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>health.json: each pod's last deep-check verdict, read once for Get-ArenaPod and never trusted when it is not the module's own file.</summary>
public sealed class HealthStoreTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private HealthStore Store => new(Path.Combine(_dir.Path, "health.json"));

    private static HealthRecord Record(string id, string verdict = "PASS", string? reason = null) =>
        new() { PodId = id, Name = "camp-" + id, Verdict = verdict, CheckedAt = DateTimeOffset.UtcNow.AddMinutes(-5), Reason = reason, MachineId = "m-" + id };

    [Fact]
    public void A_verdict_replaces_the_pods_last_one_and_keeps_the_others()
    {
        Store.Record(Record("a"));
        Store.Record(Record("b", "FAIL", "driver: driver 535 is below 570"));
        Store.Record(Record("a", "WARN", "download: 0.5 MB/s"));

        var all = Store.ReadAll(out var warning);

        Assert.Null(warning);
        Assert.Equal(ArenaCheckVerdict.Warn, all["a"].ParsedVerdict);
        Assert.Equal("driver: driver 535 is below 570", all["b"].Reason);
        Assert.Equal("m-b", all["b"].MachineId);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Store.FilePath));
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("{\"Pods\": {\"a\": {\"PodId\": \"b\", \"Verdict\": \"PASS\"}}}")]
    [InlineData("{\"Pods\": {\"a\": {\"PodId\": \"a\", \"Verdict\": \"GREAT\"}}}")]
    [InlineData("[]")]
    public void A_file_that_does_not_read_as_ours_is_ignored_with_a_warning(string text)
    {
        File.WriteAllText(Store.FilePath, text);

        var all = Store.ReadAll(out var warning);

        Assert.Empty(all);
        Assert.Contains("could not be read", warning);
        // The next verdict writes the file anew.
        Store.Record(Record("a"));
        Assert.Single(Store.ReadAll(out _));
    }

    [SkippableFact]
    public void A_link_in_its_place_is_neither_read_nor_written_through()
    {
        Skip.If(OperatingSystem.IsWindows(), "symbolic links need privileges on Windows");
        var elsewhere = Path.Combine(_dir.Path, "elsewhere.json");
        var store = Store;
        store.Record(Record("a"));
        File.Move(store.FilePath, elsewhere);
        File.CreateSymbolicLink(store.FilePath, elsewhere);
        var before = File.ReadAllText(elsewhere);

        var all = store.ReadAll(out var warning);
        store.Record(Record("b"));

        Assert.Empty(all);
        Assert.Contains("is a link", warning);
        Assert.Equal(before, File.ReadAllText(elsewhere));
        Assert.False(new FileInfo(store.FilePath).Attributes.HasFlag(FileAttributes.ReparsePoint));
    }

    [Fact]
    public void A_file_larger_than_the_module_writes_is_not_read()
    {
        File.WriteAllText(Store.FilePath, new string(' ', (int)HealthStore.MaxBytes + 1));

        Assert.Empty(Store.ReadAll(out var warning));
        Assert.Contains("larger than", warning);
    }

    [Fact]
    public void Five_thousand_pods_are_read_in_one_go_quickly()
    {
        var records = Enumerable.Range(0, 5000).ToDictionary(i => "pod" + i, i => Record("pod" + i, i % 7 == 0 ? "FAIL" : "PASS", "compute: GPU 0: matmul gave 1, not 2"));
        File.WriteAllText(Store.FilePath, Newtonsoft.Json.JsonConvert.SerializeObject(new { Version = 1, Pods = records }));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var all = Store.ReadAll(out var warning);

        Assert.Null(warning);
        Assert.Equal(5000, all.Count);
        Assert.InRange(clock.ElapsedMilliseconds, 0, 2000);
    }
}
