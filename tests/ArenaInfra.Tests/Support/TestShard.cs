namespace ArenaInfra.Tests.Support;

/// <summary>
/// The test command runs xunit in two processes at once, each with its own data folder: the classes
/// that share the process's data folder (DataFolderCollection) must run one after another inside a
/// process, so a second process halves that queue. A class with [Trait("Shard", TestShard.Second)]
/// runs in the second process; every other class in the first. Balance by the classes' run times
/// (the longest sandbox classes are split between the two).
/// </summary>
public static class TestShard
{
    public const string Trait = "Shard";
    public const string Second = "2";
}
