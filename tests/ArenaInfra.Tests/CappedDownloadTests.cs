using System.Diagnostics;
using System.Management.Automation;
using System.Text.Json;
using ArenaInfra.Access;
using ArenaInfra.Backup;
using ArenaInfra.Common;
using ArenaInfra.Config;
using ArenaInfra.Operations;
using ArenaInfra.Proxy;
using ArenaInfra.RunPod;
using ArenaInfra.Ssh;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>A file a pod declares small but sends without end writes no more than the cap.</summary>
public sealed class CappedDownloadTests
{
    [Fact]
    public void Bytes_past_the_cap_are_refused_as_they_arrive()
    {
        using var sink = new MemoryStream();
        var capped = new BackupFolder.CappedStream(sink, 1024);
        var chunk = new byte[300];

        capped.Write(chunk, 0, chunk.Length);
        capped.Write(chunk, 0, chunk.Length);
        capped.Write(chunk, 0, chunk.Length);
        var error = Assert.Throws<IOException>(() => capped.Write(chunk, 0, chunk.Length));

        Assert.Contains("it was left out", error.Message);
        Assert.Equal(900, sink.Length);
    }
}
