using System.Collections.Generic;
using Newtonsoft.Json;

namespace ArenaInfra.RunPod.Wire
{
    // RunPod's REST API v2 types as they arrive, written from RunPod's published v2 document. Every
    // member is nullable and unknown fields are ignored: an answer we do not expect never breaks
    // parsing, and what we need but miss is decided by the mapping.

    internal sealed class V2PodList
    {
        [JsonProperty("pods")] public List<V2Pod?>? Pods { get; set; }
    }

    internal sealed class V2Pod
    {
        [JsonProperty("id")] public string? Id { get; set; }
        [JsonProperty("name")] public string? Name { get; set; }
        [JsonProperty("status")] public string? Status { get; set; }
        [JsonProperty("actions")] public List<string?>? Actions { get; set; }
        [JsonProperty("image")] public string? Image { get; set; }
        [JsonProperty("disk")] public int? Disk { get; set; }
        [JsonProperty("mounts")] public V2Mounts? Mounts { get; set; }
        [JsonProperty("ports")] public List<string?>? Ports { get; set; }
        [JsonProperty("env")] public Dictionary<string, string?>? Env { get; set; }
        [JsonProperty("gpu")] public V2Gpu? Gpu { get; set; }
        [JsonProperty("cloud")] public string? Cloud { get; set; }
        [JsonProperty("machineId")] public string? MachineId { get; set; }
        [JsonProperty("dataCenterId")] public string? DataCenterId { get; set; }
        [JsonProperty("ssh")] public V2Ssh? Ssh { get; set; }
        [JsonProperty("cost")] public decimal? Cost { get; set; }
        [JsonProperty("locked")] public bool? Locked { get; set; }
        [JsonProperty("runtime")] public V2Runtime? Runtime { get; set; }
        [JsonProperty("createdAt")] public string? CreatedAt { get; set; }
        [JsonProperty("startedAt")] public string? StartedAt { get; set; }
    }

    internal sealed class V2Mounts
    {
        [JsonProperty("persistent")] public V2PersistentMount? Persistent { get; set; }
    }

    internal sealed class V2PersistentMount
    {
        [JsonProperty("size")] public int? Size { get; set; }
        [JsonProperty("path")] public string? Path { get; set; }
    }

    internal sealed class V2Gpu
    {
        [JsonProperty("id")] public string? Id { get; set; }
        [JsonProperty("count")] public int? Count { get; set; }
    }

    internal sealed class V2Ssh
    {
        [JsonProperty("direct")] public V2SshEndpoint? Direct { get; set; }
    }

    internal sealed class V2SshEndpoint
    {
        [JsonProperty("host")] public string? Host { get; set; }
        [JsonProperty("port")] public int? Port { get; set; }
        [JsonProperty("username")] public string? Username { get; set; }
    }

    internal sealed class V2Runtime
    {
        [JsonProperty("uptime")] public long? Uptime { get; set; }
        [JsonProperty("ports")] public List<V2RuntimePort?>? Ports { get; set; }
    }

    internal sealed class V2RuntimePort
    {
        [JsonProperty("private")] public int? Private { get; set; }
        [JsonProperty("public")] public int? Public { get; set; }
        [JsonProperty("type")] public string? Type { get; set; }
        [JsonProperty("ip")] public string? Ip { get; set; }
    }

    internal sealed class V2GpuType
    {
        [JsonProperty("id")] public string? Id { get; set; }
        [JsonProperty("name")] public string? Name { get; set; }
        [JsonProperty("price")] public V2GpuPrice? Price { get; set; }
        [JsonProperty("availability")] public string? Availability { get; set; }
        /// <summary>Whether the type is offered on SECURE / COMMUNITY at all (false, with price 0 and max count 0, when not).</summary>
        [JsonProperty("secure")] public bool? Secure { get; set; }
        [JsonProperty("community")] public bool? Community { get; set; }
        [JsonProperty("maxCount")] public V2GpuMaxCount? MaxCount { get; set; }
    }

    internal sealed class V2GpuMaxCount
    {
        [JsonProperty("secure")] public int? Secure { get; set; }
        [JsonProperty("community")] public int? Community { get; set; }
    }

    internal sealed class V2GpuPrice
    {
        [JsonProperty("secure")] public decimal? Secure { get; set; }
        [JsonProperty("community")] public decimal? Community { get; set; }
    }

    /// <summary>RFC 9457 problem details, as v2 reports every error.</summary>
    internal sealed class V2Problem
    {
        [JsonProperty("title")] public string? Title { get; set; }
        [JsonProperty("status")] public int? Status { get; set; }
        [JsonProperty("detail")] public string? Detail { get; set; }
        [JsonProperty("errors")] public List<string?>? Errors { get; set; }
    }

    /// <summary>One log event of GET /v2/pods/{id}/logs.</summary>
    internal sealed class V2LogEvent
    {
        [JsonProperty("source")] public string? Source { get; set; }
        [JsonProperty("line")] public string? Line { get; set; }
        [JsonProperty("ts")] public string? Ts { get; set; }
    }
}
