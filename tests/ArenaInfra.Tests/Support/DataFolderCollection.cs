using Xunit;

namespace ArenaInfra.Tests.Support;

/// <summary>
/// The module keeps host keys, journals and the fleet lock in one data folder per process
/// ($ARENA_INFRA_DATA), and every sandbox hands out the same pod ids. So the classes that use the
/// folder run one after another (an SshSandbox points the folder at its own for its class), while
/// every other collection runs beside them.
/// </summary>
[CollectionDefinition(Name)]
public sealed class DataFolderCollection
{
    public const string Name = "data folder";
}
