using System.Diagnostics;
using System.Management.Automation;
using System.Security;
using ArenaInfra.Operations;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

public sealed class GpuParsingTests
{
    private static readonly ArenaPod Pod = new() { Name = "camp-alpha", MachineName = "alpha" };

    [Fact]
    public void A_pod_that_is_reconnecting_is_a_line_of_the_live_table_and_a_status_that_says_so()
    {
        var result = new ArenaPodGpuResult { Name = "camp-bravo", Succeeded = false, ErrorId = ArenaErrorIds.SshReconnecting, Error = "camp-bravo: its SSH session dropped" };
        var status = GpuQuery.Statuses(result).Single();
        var down = GpuQuery.Statuses(new ArenaPodGpuResult { Name = "camp-charlie", Succeeded = false, ErrorId = ArenaErrorIds.SshConnectFailed, Error = "Cannot connect" }).Single();

        var text = GpuTable.Render(new[] { status, down }, DateTime.UnixEpoch);

        Assert.True(status.Reconnecting);
        Assert.False(status.Responding);
        Assert.False(down.Reconnecting);
        Assert.Contains("camp-bravo           - reconnecting...", text);
        Assert.Contains("camp-charlie         - no answer: Cannot connect", text);
    }

    [Fact]
    public void A_stopped_pod_is_a_line_that_says_stopped_and_the_live_view_says_how_to_leave()
    {
        var stopped = GpuQuery.Statuses(new ArenaPodGpuResult { Name = "camp-delta", Succeeded = false, ErrorId = ArenaErrorIds.PodNotRunning, Error = "the pod is Stopped, so nothing was done there" }).Single();

        var text = GpuTable.Render(new[] { stopped }, DateTime.UnixEpoch, "Every 2 s; Ctrl+C to stop.");

        Assert.True(stopped.NotRunning);
        Assert.Contains("camp-delta           - not running: Stopped\n", text);
        Assert.DoesNotContain("no answer", text);
        Assert.EndsWith("Ctrl+C to stop.\n", text);
    }

    [Fact]
    public void Real_nvidia_smi_lines_from_several_models_parse()
    {
        var statuses = GpuQuery.Parse(
            "0, NVIDIA A100-SXM4-80GB, 40321, 81920, 98\n" +
            "1, NVIDIA A100-SXM4-80GB, 0, 81920, 0\r\n" +
            "2, NVIDIA GeForce RTX 4090, [N/A], 24564, [N/A]\n\n", Pod);

        Assert.Equal(3, statuses.Count);
        Assert.Equal(new int?[] { 0, 1, 2 }, statuses.Select(s => s.Index));
        Assert.Equal("A100-80GB", statuses[0].Model);
        Assert.Equal(39.4, statuses[0].MemoryUsedGB);
        Assert.Equal(80.0, statuses[0].MemoryTotalGB);
        Assert.Equal(98, statuses[0].UtilizationPercent);
        Assert.Equal("RTX4090", statuses[2].Model);
        Assert.Null(statuses[2].MemoryUsedGB);
        Assert.Null(statuses[2].UtilizationPercent);
        Assert.All(statuses, s => Assert.Equal("camp-alpha", s.Name));
    }

    [Theory]
    [InlineData("NVIDIA RTX A4000", "A4000")]
    [InlineData("NVIDIA RTX A6000", "A6000")]
    [InlineData("NVIDIA A100 80GB PCIe", "A100-80GB")]
    [InlineData("NVIDIA H100 80GB HBM3", "H100-80GB")]
    [InlineData("Tesla V100-SXM2-16GB", "V100-16GB")]
    [InlineData("NVIDIA GeForce RTX 3090", "RTX3090")]
    [InlineData("NVIDIA L40S", "L40S")]
    public void Model_names_are_shortened(string full, string expected) => Assert.Equal(expected, GpuQuery.ShortModel(full));
}
