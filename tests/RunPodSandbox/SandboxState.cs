using System.Globalization;
using GraphQL;

namespace RunPodSandbox;

/// <summary>Everything the sandbox knows: pods, pending faults and the request log. One lock guards it all.</summary>
public sealed class SandboxState
{
    private readonly object _gate = new();
    private readonly Dictionary<string, SandboxPod> _pods = new(StringComparer.Ordinal);
    private readonly List<Fault> _faults = new();
    private readonly List<RequestLogEntry> _requests = new();
    private readonly Random _random = new(20261129);

    public SandboxState(SandboxOptions options, IPodEndpointBackend? endpoints = null)
    {
        Options = options;
        Endpoints = endpoints ?? new GreetingEndpointBackend();
    }

    public SandboxOptions Options { get; }
    public IPodEndpointBackend Endpoints { get; }

    public static readonly IReadOnlyDictionary<string, (string Display, double Community, double Secure)> GpuTypes =
        new Dictionary<string, (string, double, double)>(StringComparer.Ordinal)
        {
            ["NVIDIA RTX A4000"] = ("RTX A4000", 0.17, 0.25),
            ["NVIDIA RTX A5000"] = ("RTX A5000", 0.22, 0.29),
            ["NVIDIA A40"] = ("A40", 0.35, 0.44),
            ["NVIDIA GeForce RTX 4090"] = ("RTX 4090", 0.34, 0.69),
        };

    public IReadOnlyList<SandboxPod> ListPods()
    {
        lock (_gate) return _pods.Values.Where(p => p.DesiredStatus != "TERMINATED").ToList();
    }

    public SandboxPod? GetPod(string id)
    {
        lock (_gate) return _pods.TryGetValue(id, out var pod) && pod.DesiredStatus != "TERMINATED" ? pod : null;
    }

    public SandboxPod Seed(SandboxPod pod, bool runtimeGiven)
    {
        lock (_gate)
        {
            if (string.IsNullOrEmpty(pod.Id)) pod.Id = NewId();
            pod.RuntimeFixed = runtimeGiven;
            if (!runtimeGiven)
            {
                pod.ReadyAt = DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(pod.ReadyInMs ?? 0);
                if (pod.DesiredStatus == "RUNNING") pod.PublicSshPort = Endpoints.Open(pod);
            }
            _pods[pod.Id] = pod;
            return pod;
        }
    }

    public void ClearPods()
    {
        lock (_gate)
        {
            foreach (var pod in _pods.Values) Endpoints.Close(pod);
            _pods.Clear();
        }
    }

    public SandboxPod Create(IDictionary<string, object?> input)
    {
        var gpuTypeId = input.TryGetValue("gpuTypeId", out var g) ? g as string : null;
        if (gpuTypeId == null || !GpuTypes.TryGetValue(gpuTypeId, out var gpu))
        {
            throw new ExecutionError($"No GPU type '{gpuTypeId}' exists.") { Code = "BAD_USER_INPUT" };
        }
        var cloud = input.TryGetValue("cloudType", out var c) ? c?.ToString() ?? "ALL" : "ALL";
        var gpuCount = Int(input, "gpuCount") ?? 1;
        var env = new List<string>();
        if (input.TryGetValue("env", out var e) && e is IEnumerable<object?> entries)
        {
            foreach (var entry in entries.OfType<IDictionary<string, object?>>())
            {
                env.Add($"{entry["key"]}={entry["value"]}");
            }
        }
        lock (_gate)
        {
            var pod = new SandboxPod
            {
                Id = NewId(),
                Name = input.TryGetValue("name", out var n) ? n as string : null,
                DesiredStatus = "RUNNING",
                ImageName = input.TryGetValue("imageName", out var i) ? i as string : null,
                GpuTypeId = gpuTypeId,
                GpuCount = gpuCount,
                CostPerHr = Math.Round((cloud == "SECURE" ? gpu.Secure : gpu.Community) * gpuCount, 3),
                ContainerDiskInGb = Int(input, "containerDiskInGb") ?? 50,
                VolumeInGb = Int(input, "volumeInGb") ?? 0,
                VolumeMountPath = input.TryGetValue("volumeMountPath", out var v) ? v as string : null,
                Ports = input.TryGetValue("ports", out var p) ? p as string : null,
                Env = env,
                MachineId = NewId().Substring(0, 12),
                Machine = new SandboxMachine { GpuDisplayName = gpu.Display, Location = "CZ", PodHostId = NewId() },
                LastStatusChange = StatusChange("Rented by User"),
                ReadyAt = DateTimeOffset.UtcNow + Options.StartDelay,
            };
            pod.PublicSshPort = Endpoints.Open(pod);
            _pods[pod.Id] = pod;
            return pod;
        }
    }

    public SandboxPod Stop(string id)
    {
        lock (_gate)
        {
            var pod = Existing(id);
            pod.DesiredStatus = "EXITED";
            pod.LastStatusChange = StatusChange("Exited by User");
            if (!pod.RuntimeFixed) pod.ReadyAt = DateTimeOffset.MaxValue;
            Endpoints.Close(pod);
            return pod;
        }
    }

    public SandboxPod Resume(string id)
    {
        lock (_gate)
        {
            var pod = Existing(id);
            pod.DesiredStatus = "RUNNING";
            pod.LastStatusChange = StatusChange("Resumed by User");
            pod.RuntimeFixed = false;
            pod.Runtime = null;
            pod.ReadyAt = DateTimeOffset.UtcNow + Options.StartDelay;
            // The public port changes when a pod is resumed, as on RunPod.
            pod.PublicSshPort = Endpoints.Open(pod);
            return pod;
        }
    }

    public void Terminate(string id)
    {
        lock (_gate)
        {
            var pod = Existing(id);
            pod.DesiredStatus = "TERMINATED";
            Endpoints.Close(pod);
            _pods.Remove(id);
        }
    }

    /// <summary>A pod's runtime: null while starting or stopped, ports once it is up.</summary>
    public SandboxRuntime? RuntimeOf(SandboxPod pod)
    {
        lock (_gate)
        {
            if (pod.RuntimeFixed) return pod.Runtime;
            var now = DateTimeOffset.UtcNow;
            if (pod.DesiredStatus != "RUNNING" || now < pod.ReadyAt) return null;
            return new SandboxRuntime
            {
                UptimeInSeconds = (long)(now - pod.ReadyAt).TotalSeconds,
                Ports = new List<SandboxPort>
                {
                    new() { Ip = "127.0.0.1", IsIpPublic = true, PrivatePort = 22, PublicPort = pod.PublicSshPort, Type = "tcp" },
                    new() { Ip = "100.65.0.101", IsIpPublic = false, PrivatePort = 8888, PublicPort = 60141, Type = "http" },
                },
            };
        }
    }

    public void AddFault(Fault fault)
    {
        lock (_gate) _faults.Add(fault);
    }

    public IReadOnlyList<Fault> Faults()
    {
        lock (_gate) return _faults.ToList();
    }

    public void ClearFaults()
    {
        lock (_gate) _faults.Clear();
    }

    /// <summary>Takes the next pending fault that applies to this request, if any.</summary>
    public Fault? TakeFault(string requestBody)
    {
        lock (_gate)
        {
            var fault = _faults.FirstOrDefault(f => f.AppliesTo == null || requestBody.Contains(f.AppliesTo, StringComparison.Ordinal));
            if (fault == null) return null;
            fault.Remaining--;
            if (fault.Remaining <= 0) _faults.Remove(fault);
            return fault;
        }
    }

    public RequestLogEntry Log(RequestLogEntry entry)
    {
        lock (_gate)
        {
            entry.Sequence = _requests.Count + 1;
            _requests.Add(entry);
            return entry;
        }
    }

    public IReadOnlyList<RequestLogEntry> Requests()
    {
        lock (_gate) return _requests.ToList();
    }

    public void ClearRequests()
    {
        lock (_gate) _requests.Clear();
    }

    private SandboxPod Existing(string id) =>
        _pods.TryGetValue(id, out var pod) && pod.DesiredStatus != "TERMINATED"
            ? pod
            : throw new ExecutionError($"Pod {id} not found.") { Code = "NOT_FOUND" };

    private string NewId()
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        return new string(Enumerable.Range(0, 14).Select(_ => alphabet[_random.Next(alphabet.Length)]).ToArray());
    }

    private static int? Int(IDictionary<string, object?> input, string key) =>
        input.TryGetValue(key, out var value) && value != null ? Convert.ToInt32(value, CultureInfo.InvariantCulture) : null;

    /// <summary>RunPod's free-text form, a JavaScript Date string.</summary>
    public static string StatusChange(string what) =>
        $"{what}: {DateTime.UtcNow.ToString("ddd MMM dd yyyy HH:mm:ss", CultureInfo.InvariantCulture)} GMT+0000 (Coordinated Universal Time)";
}

public sealed class RequestLogEntry
{
    public int Sequence { get; set; }
    public DateTimeOffset Time { get; set; }
    public string Method { get; set; } = "";
    public string Path { get; set; } = "";
    public string QueryString { get; set; } = "";
    public string? Authorization { get; set; }
    public string? UserAgent { get; set; }
    public string? OperationName { get; set; }
    public string Body { get; set; } = "";
    public int Status { get; set; }
    public string? Fault { get; set; }
}
