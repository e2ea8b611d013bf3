using ArenaInfra.Pods.Create;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>Ctrl+C during New-ArenaPod -Wait: the pods exist and are billed, so each is named with where it stood.</summary>
public sealed class StoppedWhileWaitingTests
{
    [Fact]
    public void Each_created_pod_is_named_ready_or_with_its_state()
    {
        var created = new[]
        {
            new ArenaPod { Name = "camp-alpha", Status = ArenaPodStatus.Running },
            new ArenaPod { Name = "camp-bravo", Status = ArenaPodStatus.Starting },
        };
        var outcome = new PodCreationOutcome(created, Array.Empty<string>(), new ArenaPodCreationSummary(), anyFailed: false);

        var said = outcome.StoppedWhileWaiting(new[] { "camp-alpha" });

        Assert.StartsWith("New-ArenaPod was stopped while waiting. Created: camp-alpha (ready), camp-bravo (Starting, not yet ready).", said);
        Assert.Contains("Wait-ArenaPod", said);
        Assert.Equal("New-ArenaPod was stopped while waiting. Created: none.", new PodCreationOutcome(Array.Empty<ArenaPod>(), Array.Empty<string>(), new ArenaPodCreationSummary(), false).StoppedWhileWaiting(Array.Empty<string>()).TrimEnd());
    }
}
