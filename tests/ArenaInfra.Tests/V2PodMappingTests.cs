using ArenaInfra.Config;
using ArenaInfra.Proxy;
using ArenaInfra.RunPod;
using ArenaInfra.RunPod.GraphQl;
using Newtonsoft.Json.Linq;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>REST v2's Pod, as RunPod's v2 document describes it, mapped to ArenaPod: every case the module relies on.</summary>
public sealed class V2PodMappingTests
{
    private static readonly PodMapper Mapper = new(new FleetNaming("arena"), new ProxyPortPlan(16000, new[] { "apple", "autumn", "bloom" }));

    // Parsed as the backend parses answers: dates stay text.
    private static ArenaPod Map(string json) => Mapper.Map(RunPodJson.ParseObject(json).ToObject<ArenaInfra.RunPod.Wire.V2Pod>()!);

    private const string Running = @"{""id"":""7h9k2m4n6p"",""name"":""arena-autumn"",""status"":""RUNNING"",""actions"":[""stop"",""restart"",""terminate""],
 ""image"":""nickypro/arena-env:6.1"",""args"":"""",""disk"":100,""mounts"":{""persistent"":{""size"":20,""path"":""/workspace""}},
 ""ports"":[""8888/http"",""22/tcp""],""env"":{""MACHINE_NAME"":""autumn"",""PUBLIC_KEY"":""ssh-ed25519 AAAA= arena"",""EQUATION"":""a=b""},
 ""registry"":null,""gpu"":{""id"":""NVIDIA RTX A4000"",""count"":1},""cloud"":""COMMUNITY"",""dataCenterId"":""EU-CZ-1"",""cudaVersion"":""12.8"",
 ""ssh"":{""proxy"":{""host"":""ssh.runpod.io"",""port"":22,""username"":""7h9k2m4n6p-64411eb2"",""command"":""ssh x""},
         ""direct"":{""host"":""213.173.109.39"",""port"":13007,""username"":""root"",""command"":""ssh root@213.173.109.39 -p 13007""}},
 ""template"":null,""cost"":0.17,""locked"":false,
 ""runtime"":{""uptime"":3931,""gpus"":[{""util"":94,""memoryUtil"":78}],""cpu"":{""util"":45},""memory"":{""util"":20},
   ""ports"":[{""private"":8888,""public"":60141,""type"":""http"",""ip"":""100.65.0.101""},{""private"":22,""public"":13007,""type"":""tcp"",""ip"":""213.173.109.39""}]},
 ""createdAt"":""2026-11-30T08:00:00Z"",""startedAt"":""2026-11-30T08:02:10Z"",""globalNetworking"":{""enabled"":false}}";

    [Fact]
    public void A_running_pod_has_its_direct_ssh_endpoint_and_every_field_the_module_uses()
    {
        var pod = Map(Running);

        Assert.Equal("7h9k2m4n6p", pod.Id);
        Assert.Equal("autumn", pod.MachineName);
        Assert.True(pod.IsFleetPod);
        Assert.Equal(ArenaPodStatus.Running, pod.Status);
        Assert.Equal("RUNNING", pod.DesiredStatus);
        Assert.Equal("213.173.109.39:13007", pod.SshEndpoint);
        Assert.Equal(16001, pod.ProxyPort);
        Assert.Equal("NVIDIA RTX A4000", pod.GpuTypeId);
        Assert.Equal("RTX A4000", pod.GpuType);
        Assert.Equal(1, pod.GpuCount);
        Assert.Equal(0.17m, pod.CostPerHour);
        Assert.Equal(100, pod.DiskSizeGB);
        Assert.Equal(20, pod.VolumeSizeGB);
        Assert.Equal("/workspace", pod.VolumeMountPath);
        Assert.True(pod.HasVolume);
        Assert.Equal("EU-CZ-1", pod.Location);
        Assert.Equal(TimeSpan.FromSeconds(3931), pod.Uptime);
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero), pod.CreatedAt);
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 8, 2, 10, TimeSpan.Zero), pod.StartedAt);
        Assert.Equal(new[] { "stop", "restart", "terminate" }, pod.AllowedActions);
        Assert.Equal("a=b", pod.Env["EQUATION"]);
        Assert.Equal("autumn", pod.Env["MACHINE_NAME"]);
        Assert.Null(pod.SshProblem);
    }

    [Fact]
    public void A_terminated_pod_shows_no_price_whatever_the_API_still_says()
    {
        var json = JObject.Parse(Running);
        json["status"] = "TERMINATED";
        json["cost"] = 0.17;

        var pod = Map(json.ToString());

        Assert.Equal(ArenaPodStatus.Terminated, pod.Status);
        Assert.Null(pod.CostPerHour);
        Assert.NotNull(Map(Running).CostPerHour);
    }

    [Fact]
    public void Without_ssh_direct_the_endpoint_comes_from_the_runtime_port_for_22_tcp()
    {
        var json = JObject.Parse(Running);
        json["ssh"]!["direct"] = null;

        var pod = Map(json.ToString());

        Assert.Equal(ArenaPodStatus.Running, pod.Status);
        Assert.Equal("213.173.109.39:13007", pod.SshEndpoint);
    }

    [Fact]
    public void Running_without_any_public_ssh_port_is_not_ready_and_says_why()
    {
        var json = JObject.Parse(Running);
        json["ssh"]!["direct"] = null;
        json["runtime"]!["ports"] = JArray.Parse(@"[{""private"":22,""public"":null,""type"":""tcp"",""ip"":null}]");

        var pod = Map(json.ToString());

        Assert.Equal(ArenaPodStatus.Starting, pod.Status);
        Assert.Null(pod.SshEndpoint);
        Assert.Contains("no public SSH port", pod.SshProblem);
    }

    [Theory]
    [InlineData("PROVISIONING", ArenaPodStatus.Provisioning)]
    [InlineData("STARTING", ArenaPodStatus.Starting)]
    [InlineData("EXITED", ArenaPodStatus.Stopped)]
    [InlineData("ERROR", ArenaPodStatus.Error)]
    [InlineData("TERMINATED", ArenaPodStatus.Terminated)]
    [InlineData("SOMETHING_NEW", ArenaPodStatus.Unknown)]
    public void Each_status_maps_and_only_a_running_pod_has_an_endpoint(string status, ArenaPodStatus expected)
    {
        var json = JObject.Parse(Running);
        json["status"] = status;
        json["cost"] = status == "EXITED" ? 0 : 0.17;

        var pod = Map(json.ToString());

        Assert.Equal(expected, pod.Status);
        Assert.Null(pod.SshEndpoint);
        Assert.Null(pod.Uptime);
        Assert.Null(pod.SshProblem);
        if (status == "EXITED") Assert.Equal(0m, pod.CostPerHour);
    }

    [Fact]
    public void A_pod_without_a_volume_has_none()
    {
        var json = JObject.Parse(Running);
        json["mounts"] = new JObject();

        var pod = Map(json.ToString());

        Assert.Equal(0, pod.VolumeSizeGB);
        Assert.Null(pod.VolumeMountPath);
        Assert.False(pod.HasVolume);
    }

    [Theory]
    [InlineData("NVIDIA GeForce RTX 4090", "RTX 4090")]
    [InlineData("NVIDIA A40", "A40")]
    [InlineData("NVIDIA RTX A4000", "RTX A4000")]
    [InlineData("AMD Instinct MI300X OAM", "Instinct MI300X OAM")]
    public void Gpu_ids_get_the_short_name_RunPod_shows(string id, string display) => Assert.Equal(display, PodMapper.DisplayName(id));

    [Fact]
    public void Nulls_missing_fields_wrong_shapes_and_unknown_fields_do_not_break_mapping()
    {
        var pod = Map(@"{""id"":""x1"",""name"":null,""status"":null,""actions"":[null,""stop""],""env"":{""A"":null,""B"":""b""},""cost"":null,
            ""gpu"":null,""ssh"":{""direct"":{""host"":"""",""port"":0}},""runtime"":{""ports"":[null,{""type"":null}]},""mounts"":{""persistent"":null},
            ""brandNew"":{""a"":1},""createdAt"":""not a date"",""startedAt"":null}");

        Assert.Equal("x1", pod.Id);
        Assert.Equal("", pod.Name);
        Assert.Equal(ArenaPodStatus.Unknown, pod.Status);
        Assert.Equal(new[] { "stop" }, pod.AllowedActions);
        Assert.Equal("b", Assert.Single(pod.Env).Value);
        Assert.Null(pod.CostPerHour);
        Assert.Null(pod.GpuType);
        Assert.Null(pod.CreatedAt);
        Assert.Null(pod.SshEndpoint);
    }

    [Fact]
    public void A_hostile_endpoint_port_is_no_endpoint()
    {
        var json = JObject.Parse(Running);
        json["ssh"]!["direct"]!["port"] = 70000;
        json["runtime"]!["ports"] = new JArray();

        var pod = Map(json.ToString());

        Assert.Null(pod.SshEndpoint);
        Assert.Equal(ArenaPodStatus.Starting, pod.Status);
    }
}
