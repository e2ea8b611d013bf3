using Xunit;
using Xunit.Abstractions;

[assembly: TestCollectionOrderer("ArenaInfra.Tests.Support.DataFolderFirstOrderer", "ArenaInfra.Tests")]

namespace ArenaInfra.Tests.Support;

/// <summary>
/// Starts the longest collection first: the data folder's classes, one after another. The other
/// collections run beside it, so a run takes about as long as that one collection.
/// </summary>
public sealed class DataFolderFirstOrderer : ITestCollectionOrderer
{
    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderBy(c => c.DisplayName == DataFolderCollection.Name ? 0 : 1).ThenBy(c => c.DisplayName, StringComparer.Ordinal);
}
