using Xunit;

namespace ArenaInfra.Tests.Support;

/// <summary>For classes that change the process's environment variables: they run alone, when nothing else runs.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection
{
    public const string Name = "process environment";
}
