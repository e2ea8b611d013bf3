using System.Collections.Generic;
using Newtonsoft.Json;

namespace ArenaInfra.RunPod.Wire
{
    // RunPod's GraphQL pod as it arrives. Every member is nullable: the API leaves fields out or sends
    // null freely, and unknown extra fields are ignored.

    internal sealed class PodWire
    {
        [JsonProperty("id")] public string? Id { get; set; }
        [JsonProperty("name")] public string? Name { get; set; }
        [JsonProperty("desiredStatus")] public string? DesiredStatus { get; set; }
        [JsonProperty("imageName")] public string? ImageName { get; set; }
        [JsonProperty("gpuCount")] public int? GpuCount { get; set; }
        [JsonProperty("costPerHr")] public decimal? CostPerHr { get; set; }
        [JsonProperty("containerDiskInGb")] public int? ContainerDiskInGb { get; set; }
        [JsonProperty("volumeInGb")] public int? VolumeInGb { get; set; }
        [JsonProperty("volumeMountPath")] public string? VolumeMountPath { get; set; }
        [JsonProperty("machineId")] public string? MachineId { get; set; }
        [JsonProperty("ports")] public string? Ports { get; set; }
        [JsonProperty("env")] public List<string?>? Env { get; set; }
        [JsonProperty("lastStatusChange")] public string? LastStatusChange { get; set; }
        [JsonProperty("machine")] public MachineWire? Machine { get; set; }
        [JsonProperty("runtime")] public RuntimeWire? Runtime { get; set; }
    }

    internal sealed class MachineWire
    {
        [JsonProperty("gpuDisplayName")] public string? GpuDisplayName { get; set; }
        [JsonProperty("location")] public string? Location { get; set; }
    }

    internal sealed class RuntimeWire
    {
        [JsonProperty("uptimeInSeconds")] public long? UptimeInSeconds { get; set; }
        [JsonProperty("ports")] public List<PortWire?>? Ports { get; set; }
    }

    internal sealed class PortWire
    {
        [JsonProperty("ip")] public string? Ip { get; set; }
        [JsonProperty("isIpPublic")] public bool? IsIpPublic { get; set; }
        [JsonProperty("privatePort")] public int? PrivatePort { get; set; }
        [JsonProperty("publicPort")] public int? PublicPort { get; set; }
        [JsonProperty("type")] public string? Type { get; set; }
    }
}
