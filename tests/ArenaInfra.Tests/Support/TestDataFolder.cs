using System.Runtime.CompilerServices;

namespace ArenaInfra.Tests.Support;

/// <summary>
/// The module keeps host keys and pending creates in its data folder. Tests never use the real one:
/// before any test runs, it points at a folder of this run's own (the SSH fixture sets its own on top).
/// </summary>
internal static class TestDataFolder
{
    [ModuleInitializer]
    internal static void UseAPrivateOne()
    {
        if (Environment.GetEnvironmentVariable("ARENA_INFRA_DATA") != null) return;
        var folder = Path.Combine(Path.GetTempPath(), "arenainfra-test-data-" + Environment.ProcessId);
        Directory.CreateDirectory(folder);
        Environment.SetEnvironmentVariable("ARENA_INFRA_DATA", folder);
    }
}
