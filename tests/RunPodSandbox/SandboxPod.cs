using System.Text.Json.Serialization;

namespace RunPodSandbox;

/// <summary>A pod as the sandbox keeps it. Seeded pods arrive in RunPod's own JSON shape.</summary>
public sealed class SandboxPod
{
    public string Id { get; set; } = "";
    public string? Name { get; set; }
    public string DesiredStatus { get; set; } = "RUNNING";
    public string? ImageName { get; set; }
    public string? GpuTypeId { get; set; }
    public int GpuCount { get; set; } = 1;
    public double CostPerHr { get; set; }
    public int ContainerDiskInGb { get; set; }
    public int VolumeInGb { get; set; }
    public string? VolumeMountPath { get; set; }
    public int MemoryInGb { get; set; } = 31;
    public int VcpuCount { get; set; } = 8;
    public string PodType { get; set; } = "RESERVED";
    public string? MachineId { get; set; }
    public string? Ports { get; set; }
    public List<string> Env { get; set; } = new();
    public string? LastStatusChange { get; set; }
    public string? DockerArgs { get; set; }
    public SandboxMachine? Machine { get; set; }

    /// <summary>As given by a seed: when present, served verbatim (even null), never computed.</summary>
    public SandboxRuntime? Runtime { get; set; }

    /// <summary>For seeds: stay Starting (runtime null) this long before getting ports.</summary>
    public int? ReadyInMs { get; set; }

    /// <summary>COMMUNITY or SECURE (REST v2's cloud).</summary>
    public string? Cloud { get; set; }

    /// <summary>For seeds: the pod runs on a host without a public IP, so 22/tcp never gets a public port.</summary>
    public bool NoPublicIp { get; set; }

    /// <summary>RunPod's lock: set by PATCH {"locked": true}; while set, stop, restart and terminate answer 400 "Pod is locked".</summary>
    public bool Locked { get; set; }

    /// <summary>The pod's log as REST v2 serves it; seeds may give lines of their own.</summary>
    public List<SandboxLogLine> Log { get; set; } = new();

    [JsonIgnore] public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
    [JsonIgnore] public DateTimeOffset? StartedAt { get; set; }

    [JsonIgnore] public bool RuntimeFixed { get; set; }
    [JsonIgnore] public DateTimeOffset ReadyAt { get; set; }
    [JsonIgnore] public int PublicSshPort { get; set; }
    /// <summary>The machine the pod runs on and its traits (SandboxMachines); null for a seeded pod, which runs on a healthy one.</summary>
    [JsonIgnore] public SandboxHost? Host { get; set; }
}

public sealed class SandboxLogLine
{
    public string Source { get; set; } = "container";
    public string Line { get; set; } = "";
    public DateTimeOffset Ts { get; set; } = DateTimeOffset.UtcNow;
}

public sealed class SandboxMachine
{
    public string? GpuDisplayName { get; set; }
    public string? Location { get; set; }
    public string? PodHostId { get; set; }
}

public sealed class SandboxRuntime
{
    public long? UptimeInSeconds { get; set; }
    public List<SandboxPort>? Ports { get; set; }
}

public sealed class SandboxPort
{
    public string? Ip { get; set; }
    public bool? IsIpPublic { get; set; }
    public int? PrivatePort { get; set; }
    public int? PublicPort { get; set; }
    public string? Type { get; set; }
}
