using ArenaInfra.Config;
using ArenaInfra.Proxy;
using ArenaInfra.RunPod;
using ArenaInfra.RunPod.Wire;
using Newtonsoft.Json;
using Xunit;

namespace ArenaInfra.Tests;

public sealed class PodMappingTests
{
    private static readonly PodMapper Mapper = new(new FleetNaming("arena"), new ProxyPortPlan(16000, new[] { "apple", "autumn", "bloom" }));

    private static ArenaPod Map(string json) => Mapper.Map(JsonConvert.DeserializeObject<PodWire>(json)!);

    private const string Running = @"{""id"":""ldl1dxirsim64n"",""name"":""arena-autumn"",""desiredStatus"":""RUNNING"",""imageName"":""nickypro/arena-env:6.1"",
 ""gpuCount"":1,""costPerHr"":0.17,""containerDiskInGb"":100,""volumeInGb"":0,""volumeMountPath"":""/workspace"",
 ""memoryInGb"":31,""vcpuCount"":8,""podType"":""RESERVED"",""machineId"":""s194cr8pls2z"",""ports"":""8888/http,22/tcp"",
 ""env"":[""MACHINE_NAME=autumn"",""PUBLIC_KEY=ssh-ed25519 AAAA= arena"",""EQUATION=a=b""],""uptimeSeconds"":0,
 ""lastStatusChange"":""Rented by User: Mon Nov 23 2026 09:14:40 GMT+0000 (Coordinated Universal Time)"",
 ""machine"":{""gpuDisplayName"":""RTX A4000"",""location"":""CZ""},
 ""runtime"":{""uptimeInSeconds"":3931,""ports"":[
   {""ip"":""100.65.0.101"",""isIpPublic"":false,""privatePort"":8888,""publicPort"":60141,""type"":""http""},
   {""ip"":""213.173.109.39"",""isIpPublic"":true,""privatePort"":22,""publicPort"":13007,""type"":""tcp""}]}}";

    [Fact]
    public void A_running_pod_has_its_public_ssh_endpoint_and_proxy_port()
    {
        var pod = Map(Running);

        Assert.Equal("ldl1dxirsim64n", pod.Id);
        Assert.Equal("arena-autumn", pod.Name);
        Assert.Equal("autumn", pod.MachineName);
        Assert.True(pod.IsFleetPod);
        Assert.Equal(ArenaPodStatus.Running, pod.Status);
        Assert.Equal("RUNNING", pod.DesiredStatus);
        Assert.Equal("213.173.109.39", pod.PublicIp);
        Assert.Equal(13007, pod.SshPort);
        Assert.Equal("213.173.109.39:13007", pod.SshEndpoint);
        Assert.Equal(16001, pod.ProxyPort);
        Assert.Equal("RTX A4000", pod.GpuType);
        Assert.Equal(1, pod.GpuCount);
        Assert.Equal(0.17m, pod.CostPerHour);
        Assert.Equal("nickypro/arena-env:6.1", pod.Image);
        Assert.Equal(TimeSpan.FromSeconds(3931), pod.Uptime);
        Assert.Equal("Rented", pod.LastStatusEvent);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 9, 14, 40, TimeSpan.Zero), pod.LastStatusChangedAt);
        Assert.Equal("autumn", pod.Env["MACHINE_NAME"]);
        Assert.Equal("a=b", pod.Env["EQUATION"]);
        Assert.Equal("ssh-ed25519 AAAA= arena", pod.Env["PUBLIC_KEY"]);
    }

    [Fact]
    public void A_pod_that_reads_RUNNING_without_a_runtime_is_Starting()
    {
        var pod = Map(Running.Replace(@"""runtime"":{", @"""runtime"":null,""x"":{"));

        Assert.Equal(ArenaPodStatus.Starting, pod.Status);
        Assert.Null(pod.PublicIp);
        Assert.Null(pod.SshPort);
        Assert.Null(pod.Uptime);
        Assert.Equal(16001, pod.ProxyPort);
    }

    [Fact]
    public void A_stopped_pod_with_stale_ports_has_no_endpoint()
    {
        var pod = Map(Running.Replace(@"""desiredStatus"":""RUNNING""", @"""desiredStatus"":""EXITED""")
            .Replace("Rented by User: Mon Nov 23 2026 09:14:40 GMT+0000 (Coordinated Universal Time)", "Exited by user: Tue Aug 15 2023"));

        Assert.Equal(ArenaPodStatus.Stopped, pod.Status);
        Assert.Null(pod.PublicIp);
        Assert.Null(pod.SshPort);
        Assert.Null(pod.Uptime);
        Assert.Equal("Exited", pod.LastStatusEvent);
        Assert.Equal(new DateTimeOffset(2023, 8, 15, 0, 0, 0, TimeSpan.Zero), pod.LastStatusChangedAt);
    }

    [Fact]
    public void Port_22_that_is_not_public_gives_no_endpoint()
    {
        var pod = Map(Running.Replace(@"""isIpPublic"":true", @"""isIpPublic"":false"));

        Assert.Null(pod.SshPort);
        Assert.Null(pod.PublicIp);
        Assert.Equal(ArenaPodStatus.Starting, pod.Status);
    }

    [Fact]
    public void A_public_tcp_port_other_than_22_is_not_the_ssh_endpoint()
    {
        var pod = Map(Running.Replace(@"""privatePort"":22", @"""privatePort"":2222"));
        Assert.Null(pod.SshPort);
    }

    [Fact]
    public void Another_prefix_pod_is_not_a_fleet_pod_and_has_no_proxy_port()
    {
        var pod = Map(Running.Replace("arena-autumn", "research-autumn"));

        Assert.False(pod.IsFleetPod);
        Assert.Null(pod.MachineName);
        Assert.Null(pod.ProxyPort);
        Assert.Equal(ArenaPodStatus.Running, pod.Status);
    }

    [Fact]
    public void A_fleet_pod_outside_the_name_list_has_no_proxy_port_yet()
    {
        var pod = Map(Running.Replace("arena-autumn", "arena-zzz"));
        Assert.True(pod.IsFleetPod);
        Assert.Equal("zzz", pod.MachineName);
        Assert.Null(pod.ProxyPort);
    }

    [Fact]
    public void Nulls_missing_fields_and_unknown_fields_do_not_break_mapping()
    {
        var pod = Map(@"{""id"":""x1"",""name"":null,""desiredStatus"":""PAUSED"",""env"":[null,""NOEQUALS"",""=v""],""costPerHr"":null,
            ""machine"":null,""runtime"":{""ports"":[null,{""type"":null}]},""brandNew"":{""a"":1},""lastStatusChange"":""something odd""}");

        Assert.Equal("x1", pod.Id);
        Assert.Equal("", pod.Name);
        Assert.Equal(ArenaPodStatus.Unknown, pod.Status);
        Assert.Empty(pod.Env);
        Assert.Null(pod.CostPerHour);
        Assert.Null(pod.GpuType);
        Assert.Null(pod.LastStatusEvent);
        Assert.Null(pod.LastStatusChangedAt);
        Assert.Equal("something odd", pod.LastStatusChange);
    }

    [Theory]
    [InlineData("Rented by User: Fri Jul 12 2024 15:14:40 GMT-0400 (Eastern Daylight Time)", "Rented", "2024-07-12T15:14:40-04:00")]
    [InlineData("Resumed by user: Sat Feb 01 2025 08:00:00 GMT+0530", "Resumed", "2025-02-01T08:00:00+05:30")]
    [InlineData("Exited by user: Tue Aug 15 2023", "Exited", "2023-08-15T00:00:00+00:00")]
    [InlineData("Exited by system: not a date", "Exited", null)]
    [InlineData("gibberish", null, null)]
    public void Status_change_text_is_parsed_when_it_can_be(string text, string? expectedEvent, string? expectedDate)
    {
        var (statusEvent, at) = StatusChangeText.Parse(text);
        Assert.Equal(expectedEvent, statusEvent);
        Assert.Equal(expectedDate == null ? null : DateTimeOffset.Parse(expectedDate, System.Globalization.CultureInfo.InvariantCulture), at);
    }
}
