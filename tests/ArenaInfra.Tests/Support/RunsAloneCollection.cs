using Xunit;

namespace ArenaInfra.Tests.Support;

/// <summary>
/// For classes that run alone, when nothing else runs: those that change the process's environment
/// variables, and those that give a fresh pwsh a deadline, which a busy test process would eat into.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAloneCollection
{
    public const string Name = "runs alone";
}
