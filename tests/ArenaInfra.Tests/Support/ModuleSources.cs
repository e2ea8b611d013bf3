namespace ArenaInfra.Tests.Support;

/// <summary>
/// The module's own .cs files, never obj/ or bin/: the test command's compile check against .NET
/// Framework makes and deletes folders under obj/ while the tests run, so those are not even walked.
/// </summary>
public static class ModuleSources
{
    public static readonly string ModuleDir = Path.Combine(RepoPaths.Root, "ArenaInfra.Module");

    public static IReadOnlyList<string> Files() =>
        Directory.GetFiles(ModuleDir, "*.cs")
            .Concat(Directory.GetDirectories(ModuleDir)
                .Where(d => Path.GetFileName(d) is not ("obj" or "bin"))
                .SelectMany(d => Directory.GetFiles(d, "*.cs", SearchOption.AllDirectories)))
            .ToList();
}
