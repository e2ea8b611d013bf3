using System.Globalization;
using GraphQL;

namespace RunPodSandbox;

/// <summary>Everything the sandbox knows: pods, pending faults and the request log. One lock guards it all.</summary>
public sealed partial class SandboxState
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
            // Offered only on COMMUNITY: the catalog shows SECURE false, priced 0, max count 0.
            ["NVIDIA GeForce RTX 3090"] = ("RTX 3090", 0.22, 0),
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
            pod.CreatedAt = DateTimeOffset.UtcNow;
            pod.GpuTypeId ??= GpuTypes.FirstOrDefault(g => g.Value.Display == pod.Machine?.GpuDisplayName).Key ?? "NVIDIA RTX A4000";
            if (pod.Log.Count == 0)
            {
                pod.Log.Add(new SandboxLogLine { Source = "system", Line = $"Pulling image {pod.ImageName ?? "nickypro/arena-env:6.1"}" });
                pod.Log.Add(new SandboxLogLine { Source = "container", Line = "sshd: listening on port 22" });
            }
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

    /// <summary>GraphQL's podFindAndDeployOnDemand.</summary>
    public SandboxPod Create(IDictionary<string, object?> input)
    {
        var gpuTypeId = input.TryGetValue("gpuTypeId", out var g) ? g as string : null;
        if (gpuTypeId == null || !GpuTypes.ContainsKey(gpuTypeId))
        {
            throw new ExecutionError($"No GPU type '{gpuTypeId}' exists.") { Code = "BAD_USER_INPUT" };
        }
        var env = new List<string>();
        if (input.TryGetValue("env", out var e) && e is IEnumerable<object?> entries)
        {
            foreach (var entry in entries.OfType<IDictionary<string, object?>>())
            {
                env.Add($"{entry["key"]}={entry["value"]}");
            }
        }
        return Create(new NewPod(
            input.TryGetValue("name", out var n) ? n as string : null,
            input.TryGetValue("imageName", out var i) ? i as string : null,
            gpuTypeId,
            Int(input, "gpuCount") ?? 1,
            input.TryGetValue("cloudType", out var c) ? c?.ToString() ?? "ALL" : "ALL",
            Int(input, "containerDiskInGb") ?? 50,
            Int(input, "volumeInGb") ?? 0,
            input.TryGetValue("volumeMountPath", out var v) ? v as string : null,
            input.TryGetValue("ports", out var p) ? p as string : null,
            env));
    }

    /// <summary>A new pod, from either API's create.</summary>
    public SandboxPod Create(NewPod request)
    {
        var gpu = GpuTypes[request.GpuTypeId];
        lock (_gate)
        {
            var host = MachineFor(request.Name);
            var pod = new SandboxPod
            {
                Id = NewId(),
                Name = request.Name,
                DesiredStatus = "RUNNING",
                ImageName = request.Image,
                GpuTypeId = request.GpuTypeId,
                GpuCount = request.GpuCount,
                Cloud = request.Cloud == "SECURE" ? "SECURE" : "COMMUNITY",
                CostPerHr = Math.Round((request.Cloud == "SECURE" ? gpu.Secure : gpu.Community) * request.GpuCount, 3),
                ContainerDiskInGb = request.DiskGb,
                VolumeInGb = request.VolumeGb,
                VolumeMountPath = request.VolumeMountPath,
                Ports = request.Ports,
                Env = request.Env,
                MachineId = host.Id,
                Host = host,
                Machine = new SandboxMachine { GpuDisplayName = gpu.Display, Location = "CZ", PodHostId = NewId() },
                LastStatusChange = StatusChange("Rented by User"),
                ReadyAt = DateTimeOffset.UtcNow + StartDelayOf(request.Name),
            };
            pod.Log.Add(new SandboxLogLine { Source = "system", Line = $"Pulling image {request.Image}" });
            pod.Log.Add(new SandboxLogLine { Source = "system", Line = "Starting container" });
            pod.Log.Add(new SandboxLogLine { Source = "container", Line = "sshd: listening on port 22" });
            pod.PublicSshPort = Endpoints.Open(pod);
            _pods[pod.Id] = pod;
            return pod;
        }
    }

    /// <summary>Adds lines to a pod's log (test control).</summary>
    public bool AppendLog(string id, IEnumerable<SandboxLogLine> lines)
    {
        lock (_gate)
        {
            if (!_pods.TryGetValue(id, out var pod)) return false;
            pod.Log.AddRange(lines);
            return true;
        }
    }

    public IReadOnlyList<SandboxLogLine> LogOf(SandboxPod pod)
    {
        lock (_gate) return pod.Log.ToList();
    }

    /// <summary>REST v2's status word for a pod, from the same state the GraphQL side serves.</summary>
    public string V2StatusOf(SandboxPod pod)
    {
        lock (_gate)
        {
            switch (pod.DesiredStatus)
            {
                case "RUNNING":
                    if (pod.RuntimeFixed) return "RUNNING";
                    var now = DateTimeOffset.UtcNow;
                    if (now >= pod.ReadyAt && Endpoints.Answering(pod)) return "RUNNING";
                    // The first half of the wait is finding a machine, the rest starting the container.
                    return pod.StartedAt == null && now - pod.CreatedAt < TimeSpan.FromTicks((pod.ReadyAt - pod.CreatedAt).Ticks / 2) ? "PROVISIONING" : "STARTING";
                case "EXITED": return "EXITED";
                case "ERROR": return "ERROR";
                case "TERMINATED": return "TERMINATED";
                default: return "PROVISIONING";
            }
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
            pod.StartedAt = DateTimeOffset.UtcNow;
            pod.Log.Add(new SandboxLogLine { Source = "system", Line = "Starting container" });
            pod.RuntimeFixed = false;
            pod.Runtime = null;
            pod.ReadyAt = DateTimeOffset.UtcNow + StartDelayOf(pod.Name);
            // The public port changes when a pod is resumed, as on RunPod.
            pod.PublicSshPort = Endpoints.Open(pod);
            return pod;
        }
    }

    /// <summary>Locks or unlocks a pod, as RunPod's PATCH {"locked": ...} does; null when there is no such pod.</summary>
    public SandboxPod? SetLocked(string id, bool locked)
    {
        lock (_gate)
        {
            if (!_pods.TryGetValue(id, out var pod)) return null;
            pod.Locked = locked;
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
            KeepBilled(pod);
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
            if (pod.DesiredStatus != "RUNNING" || now < pod.ReadyAt || !Endpoints.Answering(pod)) return null;
            return new SandboxRuntime
            {
                UptimeInSeconds = (long)(now - pod.ReadyAt).TotalSeconds,
                Ports = new List<SandboxPort>
                {
                    pod.NoPublicIp
                        ? new() { Ip = "10.2.0.7", IsIpPublic = false, PrivatePort = 22, PublicPort = pod.PublicSshPort, Type = "tcp" }
                        : new() { Ip = "127.0.0.1", IsIpPublic = true, PrivatePort = 22, PublicPort = pod.PublicSshPort, Type = "tcp" },
                    new() { Ip = "100.65.0.101", IsIpPublic = false, PrivatePort = 8888, PublicPort = 60141, Type = "http" },
                },
            };
        }
    }

    public void AddFault(Fault fault)
    {
        if (fault.ForMs > 0) fault.Until = DateTime.UtcNow.AddMilliseconds(fault.ForMs);
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

    /// <summary>Takes the next pending fault that applies to this request, if any (matched on the request's text: its body, or for REST its operation).</summary>
    public Fault? TakeFault(string requestText)
    {
        lock (_gate)
        {
            var now = DateTime.UtcNow;
            _faults.RemoveAll(f => f.Until != null && now >= f.Until);
            var fault = _faults.FirstOrDefault(f => (f.AppliesTo == null || requestText.Contains(f.AppliesTo, StringComparison.Ordinal))
                && (f.Gpu == null || requestText.Contains(f.Gpu, StringComparison.Ordinal)));
            if (fault == null) return null;
            if (fault.Until != null) return fault;
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

/// <summary>What a create asks for, whichever API it came through.</summary>
public sealed record NewPod(string? Name, string? Image, string GpuTypeId, int GpuCount, string Cloud, int DiskGb, int VolumeGb, string? VolumeMountPath, string? Ports, List<string> Env);

public sealed class RequestLogEntry
{
    /// <summary>The log entry of a request as it arrives, for either API.</summary>
    public static RequestLogEntry Of(HttpContext context, string body, string? operation) => new()
    {
        Time = DateTimeOffset.UtcNow,
        Method = context.Request.Method,
        Path = context.Request.Path,
        QueryString = context.Request.QueryString.Value ?? "",
        Authorization = context.Request.Headers.Authorization.FirstOrDefault(),
        UserAgent = context.Request.Headers.UserAgent.FirstOrDefault(),
        OperationName = operation,
        Body = body,
    };

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
