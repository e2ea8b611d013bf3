using System.Management.Automation;
using ArenaInfra.Common;
using ArenaInfra.Config;
using ArenaInfra.Pods;
using ArenaInfra.Proxy;
using ArenaInfra.RunPod;
using ArenaInfra.RunPod.Wire;

namespace ArenaInfra.Tests.Support;

/// <summary>
/// RunPod in memory, for tests of what the module decides (names, plans, creates, capacity fallbacks,
/// selection, settling an action) rather than of what travels over HTTP: pods in a dictionary, every
/// call recorded, failures scripted. As an IRunPodApi it has the module's shared rules in front of it
/// (SettledPodActions), so a lost answer is settled as it is against RunPod; commands reach it at Url
/// (RUNPOD_API_BASE_URL), with the pods seen through their config's naming.
/// </summary>
internal sealed class InMemoryRunPodApi : IRunPodApi, IRunPodBackend, IDisposable
{
    /// <summary>The catalog: community and secure price of one GPU an hour (0: not offered on that cloud), as the sandbox's.</summary>
    public static readonly IReadOnlyDictionary<string, (decimal Community, decimal Secure)> Catalog = new Dictionary<string, (decimal, decimal)>(StringComparer.Ordinal)
    {
        ["NVIDIA RTX A4000"] = (0.17m, 0.25m),
        ["NVIDIA RTX A5000"] = (0.22m, 0.29m),
        ["NVIDIA A40"] = (0.35m, 0.44m),
        ["NVIDIA GeForce RTX 4090"] = (0.34m, 0.69m),
        ["NVIDIA GeForce RTX 3090"] = (0.22m, 0m),
    };

    private readonly object _gate = new();
    private readonly Dictionary<string, Pod> _pods = new(StringComparer.Ordinal);
    private readonly List<Script> _scripts = new();
    private readonly List<(string Operation, string Target)> _calls = new();
    private readonly List<PodCreateSpec> _creates = new();
    private readonly HashSet<string> _noStock = new(StringComparer.Ordinal);
    private readonly PodMapper _mapper;
    private readonly SettledPodActions _settled;
    private int _next;

    public InMemoryRunPodApi(string prefix = "camp", params string[] machineNames)
    {
        _mapper = new PodMapper(new FleetNaming(prefix), new ProxyPortPlan(16000, machineNames.Length > 0 ? machineNames : new[] { "alpha", "bravo", "charlie", "delta", "echo" }));
        _settled = new SettledPodActions(this, Log) { RetryDelay = TimeSpan.Zero };
        Url = $"http://127.0.0.1:9/in-memory-{Guid.NewGuid():N}";
        InProcessRunPods.Register(new Uri(Url + "/"), mapper => new Seen(this, mapper));
    }

    /// <summary>The address commands reach this RunPod at (nothing listens there: it never leaves the process).</summary>
    public string Url { get; }

    public RecordingLog Log { get; } = new();

    /// <summary>The shared rules in front of this RunPod, to tune (ActionAttempts).</summary>
    public SettledPodActions Settled => _settled;

    /// <summary>Every call in order: (operation, pod id or name or GPU type), operations named as RunPod's ("CreatePod", "StopPod", ...).</summary>
    public IReadOnlyList<(string Operation, string Target)> Calls { get { lock (_gate) return _calls.ToList(); } }

    public int CallsOf(string operation) => Calls.Count(c => c.Operation == operation);

    /// <summary>Every create sent, refused ones too.</summary>
    public IReadOnlyList<PodCreateSpec> Creates { get { lock (_gate) return _creates.ToList(); } }

    public IList<string> AccountKeys { get; } = new List<string>();

    public void Dispose() => InProcessRunPods.Remove(new Uri(Url + "/"));

    // ---- the pods ----

    /// <summary>A pod RunPod already has; returns its id. Without an endpoint, a running pod has no SSH port yet (it is starting).</summary>
    public string Seed(string name, string status = "RUNNING", string gpuTypeId = "NVIDIA RTX A4000", string cloud = "SECURE", bool endpoint = true)
    {
        lock (_gate)
        {
            var pod = new Pod($"mem{++_next:D4}", name, gpuTypeId, 1, cloud, "nickypro/arena-env:6.1", 80, 0) { Status = status, CreatedAt = DateTimeOffset.UtcNow.AddMinutes(_next), Endpoint = endpoint };
            _pods[pod.Id] = pod;
            return pod.Id;
        }
    }

    /// <summary>The status RunPod gives the pod now (RUNNING, EXITED, ...), or null when it has no such pod.</summary>
    public string? StatusOf(string podId)
    {
        lock (_gate) return _pods.TryGetValue(podId, out var pod) ? pod.Status : null;
    }

    public IReadOnlyList<string> Names()
    {
        lock (_gate) return _pods.Values.Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal).ToList();
    }

    // ---- scripted failures ----

    /// <summary>The next count calls of the operation (for a create or a price, of that GPU type only, if given) fail with the error; nothing happens.</summary>
    public void Refuse(string operation, Func<ArenaException> error, int count = 1, string? gpu = null, TimeSpan? during = null)
    {
        lock (_gate) _scripts.Add(new Script(operation, gpu, count, error, Happens: false, during == null ? null : DateTime.UtcNow + during));
    }

    /// <summary>Creates (of that GPU type, if given) find no capacity: count times, or while the time lasts.</summary>
    public void NoCapacity(string? gpu = null, int count = int.MaxValue, TimeSpan? during = null) =>
        Refuse("CreatePod", () => RunPodErrors.FromGraphQlErrors("CreatePod", "There are no longer any instances available with the requested specifications.", "SUPPLY_CONSTRAINT"), count, gpu, during);

    /// <summary>Creates are refused for lack of funds.</summary>
    public void NoFunds(int count = int.MaxValue) =>
        Refuse("CreatePod", () => RunPodErrors.FromGraphQlErrors("CreatePod", "Your account balance is too low to rent a pod. Please add funds to your account.", null), count);

    /// <summary>The catalog shows the GPU type out of stock (availability NONE).</summary>
    public void NoStock(string gpu)
    {
        lock (_gate) _noStock.Add(gpu);
    }

    /// <summary>The next count answers to the operation are lost (no answer at all); what was asked happens anyway when happened is true.</summary>
    public void LoseAnswer(string operation, bool happened, int count = 1)
    {
        lock (_gate) _scripts.Add(new Script(operation, null, count, Unreachable(operation), Happens: happened, null));
    }

    private static Func<ArenaException> Unreachable(string operation) => () =>
        new ArenaException(ArenaErrorIds.ApiUnreachable, ErrorCategory.ConnectionError, $"RunPod did not answer {operation} (in memory: the answer was lost).");

    // ---- IRunPodApi: actions through the shared rules; the rest as the backend ----

    public Task StopPodAsync(string podId, CancellationToken cancellationToken) => _settled.StopPodAsync(podId, cancellationToken);
    public Task<ArenaPod> StartPodAsync(string podId, int gpuCount, CancellationToken cancellationToken) => _settled.StartPodAsync(podId, gpuCount, cancellationToken);
    public Task TerminatePodAsync(string podId, CancellationToken cancellationToken) => _settled.TerminatePodAsync(podId, cancellationToken);

    // ---- IRunPodBackend, seen through this double's own naming ----

    public Task<IReadOnlyList<ArenaPod>> ListPodsAsync(CancellationToken cancellationToken) => Task.Run(() => ListNow(_mapper));
    public Task<ArenaPod?> GetPodAsync(string podId, CancellationToken cancellationToken) => Task.Run(() => GetNow(podId, _mapper));
    public Task<ArenaPod> CreatePodAsync(PodCreateSpec spec, CancellationToken cancellationToken) => Task.Run(() => CreateNow(spec, _mapper));
    public Task<PodActionAnswer> SendActionAsync(string podId, PodAction action, int gpuCount, CancellationToken cancellationToken) => Task.Run(() => ActNow(podId, action, _mapper));
    public Task<GpuOffer?> GetGpuOfferAsync(string gpuTypeId, string cloudType, int gpuCount, CancellationToken cancellationToken) => Task.Run(() => OfferNow(gpuTypeId, cloudType));
    public Task<IReadOnlyList<string>> GetAccountSshKeysAsync(CancellationToken cancellationToken) => Task.Run(() => KeysNow());
    public Task<ArenaPod> SetLockedAsync(string podId, bool locked, CancellationToken cancellationToken) => Task.Run(() => LockNow(podId, locked, _mapper));
    public Task ReadLogsAsync(string podId, int tail, bool follow, string? source, Action<PodLogEvent> onLine, CancellationToken cancellationToken) => Task.Run(() => LogsNow(podId));
    public IList<ArenaNetworkVolume> NetworkVolumes { get; } = new List<ArenaNetworkVolume>();
    public Task<IReadOnlyList<ArenaNetworkVolume>> ListNetworkVolumesAsync(CancellationToken cancellationToken) => Task.Run(() => (IReadOnlyList<ArenaNetworkVolume>)NetworkVolumes.ToList());

    private IReadOnlyList<ArenaPod> ListNow(PodMapper mapper)
    {
        lock (_gate)
        {
            Enter("ListPods", "");
            var pods = _pods.Values.OrderByDescending(p => p.CreatedAt).Select(p => View(p, mapper)).ToList();
            mapper.CompleteProxyPorts(pods);
            return pods;
        }
    }

    private ArenaPod? GetNow(string podId, PodMapper mapper)
    {
        lock (_gate)
        {
            Enter("GetPod", podId);
            return _pods.TryGetValue(podId, out var pod) ? View(pod, mapper) : null;
        }
    }

    private ArenaPod CreateNow(PodCreateSpec spec, PodMapper mapper)
    {
        lock (_gate)
        {
            _creates.Add(spec);
            var script = Enter("CreatePod", spec.Name, spec.GpuTypeId);
            if (script is { Happens: false }) throw script.Error();
            if (!Catalog.TryGetValue(spec.GpuTypeId, out var price))
            {
                throw new ArenaException(ArenaErrorIds.ApiError, ErrorCategory.InvalidArgument, $"RunPod refused CreatePod (HTTP 400): unknown GPU type '{spec.GpuTypeId}'.") { HttpStatus = 400 };
            }
            // ALL takes the cloud that offers the type, community first, as RunPod does.
            var cloud = spec.CloudType != "ALL" ? spec.CloudType : price.Community > 0 ? "COMMUNITY" : "SECURE";
            if ((cloud == "SECURE" ? price.Secure : price.Community) <= 0)
            {
                throw RunPodErrors.FromGraphQlErrors("CreatePod", "There are no longer any instances available with the requested specifications.", null);
            }
            var pod = new Pod($"mem{++_next:D4}", spec.Name, spec.GpuTypeId, spec.GpuCount, cloud, spec.ImageName, spec.ContainerDiskInGb, spec.VolumeInGb)
            {
                Status = "RUNNING",
                CreatedAt = DateTimeOffset.UtcNow.AddMinutes(_next),
                Env = new Dictionary<string, string?> { ["PUBLIC_KEY"] = spec.PublicKey },
            };
            _pods[pod.Id] = pod;
            if (script != null) throw script.Error();
            return View(pod, mapper);
        }
    }

    private PodActionAnswer ActNow(string podId, PodAction action, PodMapper mapper)
    {
        lock (_gate)
        {
            var operation = action switch { PodAction.Stop => "StopPod", PodAction.Start => "ResumePod", _ => "TerminatePod" };
            var script = Enter(operation, podId);
            if (script is { Happens: false }) throw script.Error();
            if (!_pods.TryGetValue(podId, out var pod))
            {
                throw new ArenaException(ArenaErrorIds.PodNotFound, ErrorCategory.ObjectNotFound, $"RunPod refused {operation} (HTTP 404): pod not found.") { HttpStatus = 404 };
            }
            if (pod.Locked && action != PodAction.Start)
            {
                // RunPod's own refusal, read through the same path as a real answer's.
                throw RunPodErrors.FromV2Problem(operation, new RawResponse(System.Net.HttpStatusCode.BadRequest, null,
                    "{\"title\":\"Bad Request\",\"status\":400,\"detail\":\"Pod is locked\"}", "application/problem+json"), "in-memory-key");
            }
            var allowed = pod.Status switch { "RUNNING" => new[] { "stop", "terminate" }, "EXITED" => new[] { "start", "terminate" }, _ => new[] { "terminate" } };
            var verb = action switch { PodAction.Stop => "stop", PodAction.Start => "start", _ => "terminate" };
            if (!allowed.Contains(verb))
            {
                throw new ArenaException(ArenaErrorIds.PodActionNotValid, ErrorCategory.InvalidOperation, $"RunPod refused {operation} (HTTP 409): cannot {verb} a pod that is {pod.Status}.") { HttpStatus = 409 };
            }
            switch (action)
            {
                case PodAction.Stop: pod.Status = "EXITED"; break;
                case PodAction.Start: pod.Status = "RUNNING"; break;
                default: _pods.Remove(podId); break;
            }
            if (script != null) throw script.Error();
            return action == PodAction.Terminate ? new PodActionAnswer(null, 204) : new PodActionAnswer(View(pod, mapper), 200);
        }
    }

    /// <summary>RunPod's PATCH /v2/pods/{id} {"locked": ...}: the whole pod back, its actions unchanged.</summary>
    private ArenaPod LockNow(string podId, bool locked, PodMapper mapper)
    {
        lock (_gate)
        {
            var script = Enter("LockPod", podId);
            if (script is { Happens: false }) throw script.Error();
            if (!_pods.TryGetValue(podId, out var pod))
            {
                throw new ArenaException(ArenaErrorIds.PodNotFound, ErrorCategory.ObjectNotFound, "RunPod refused LockPod (HTTP 404): pod not found.") { HttpStatus = 404 };
            }
            pod.Locked = locked;
            if (script != null) throw script.Error();
            return View(pod, mapper);
        }
    }

    /// <summary>Locks (or unlocks) a pod as someone in RunPod's console would: nothing recorded as a call.</summary>
    public void Lock(string podId, bool locked = true)
    {
        lock (_gate) _pods[podId].Locked = locked;
    }

    /// <summary>Whether RunPod holds the pod locked now.</summary>
    public bool IsLocked(string podId)
    {
        lock (_gate) return _pods[podId].Locked;
    }

    private GpuOffer? OfferNow(string gpuTypeId, string cloudType)
    {
        lock (_gate)
        {
            var script = Enter("GpuPrice", gpuTypeId, gpuTypeId);
            if (script != null) throw script.Error();
            if (!Catalog.TryGetValue(gpuTypeId, out var price)) return null;
            decimal? community = price.Community > 0 ? price.Community : null;
            decimal? secure = price.Secure > 0 ? price.Secure : null;
            var (quoted, notOffered) = cloudType switch
            {
                "COMMUNITY" => (community, community == null ? "RunPod's catalog: not offered on COMMUNITY (price 0)" : null),
                "SECURE" => (secure, secure == null ? "RunPod's catalog: not offered on SECURE (price 0)" : null),
                _ => (community == null ? secure : secure == null ? community : Math.Max(community.Value, secure.Value), community == null && secure == null ? "RunPod's catalog: not offered on either cloud" : null),
            };
            return new GpuOffer(gpuTypeId, quoted, _noStock.Contains(gpuTypeId) ? "NONE" : "HIGH", notOffered);
        }
    }

    private IReadOnlyList<string> KeysNow()
    {
        lock (_gate)
        {
            var script = Enter("AccountSshKeys", "");
            if (script != null) throw script.Error();
            return AccountKeys.ToList();
        }
    }

    private void LogsNow(string podId)
    {
        lock (_gate) Enter("PodLogs", podId);
    }

    /// <summary>Records the call and takes the first script that applies to it, if any.</summary>
    private Script? Enter(string operation, string target, string? gpu = null)
    {
        _calls.Add((operation, target));
        var now = DateTime.UtcNow;
        _scripts.RemoveAll(s => s.Until != null && now >= s.Until);
        var script = _scripts.FirstOrDefault(s => s.Operation == operation && (s.Gpu == null || s.Gpu == gpu));
        if (script == null) return null;
        if (script.Until == null && --script.Remaining <= 0) _scripts.Remove(script);
        return script;
    }

    /// <summary>The pod as the module sees it: through the mapper, from RunPod's REST shape, as the default backend does.</summary>
    private static ArenaPod View(Pod pod, PodMapper mapper)
    {
        var running = pod.Status == "RUNNING" && pod.Endpoint;
        var port = 20000 + int.Parse(pod.Id.Substring(3), System.Globalization.CultureInfo.InvariantCulture);
        return mapper.Map(new V2Pod
        {
            Id = pod.Id,
            Name = pod.Name,
            Status = pod.Status,
            Image = pod.Image,
            Disk = pod.Disk,
            Mounts = pod.Volume > 0 ? new V2Mounts { Persistent = new V2PersistentMount { Size = pod.Volume, Path = "/workspace" } } : null,
            Env = pod.Env,
            Gpu = new V2Gpu { Id = pod.GpuTypeId, Count = pod.GpuCount },
            Cloud = pod.Cloud,
            Cost = pod.GpuCount * (Catalog.TryGetValue(pod.GpuTypeId, out var price) ? (pod.Cloud == "SECURE" ? price.Secure : price.Community) : 0.25m),
            Ssh = running ? new V2Ssh { Direct = new V2SshEndpoint { Host = "127.0.0.1", Port = port, Username = "root" } } : null,
            Runtime = running ? new V2Runtime { Uptime = 60 } : null,
            Locked = pod.Locked,
            Actions = pod.Status switch { "RUNNING" => new List<string?> { "stop", "restart", "terminate" }, "EXITED" => new List<string?> { "start", "terminate" }, _ => new List<string?> { "terminate" } },
            CreatedAt = pod.CreatedAt.ToString("o"),
        });
    }

    private sealed class Pod
    {
        public Pod(string id, string name, string gpuTypeId, int gpuCount, string cloud, string image, int disk, int volume)
        {
            Id = id;
            Name = name;
            GpuTypeId = gpuTypeId;
            GpuCount = gpuCount;
            Cloud = cloud;
            Image = image;
            Disk = disk;
            Volume = volume;
        }

        public string Id { get; }
        public string Name { get; }
        public string GpuTypeId { get; }
        public int GpuCount { get; }
        public string Cloud { get; }
        public string Image { get; }
        public int Disk { get; }
        public int Volume { get; }
        public string Status { get; set; } = "RUNNING";
        public DateTimeOffset CreatedAt { get; set; }
        public bool Endpoint { get; set; } = true;
        public bool Locked { get; set; }
        public Dictionary<string, string?> Env { get; set; } = new();
    }

    /// <summary>A scripted failure: the error the caller gets, and whether what it asked happens anyway (a lost answer).</summary>
    private sealed record Script(string Operation, string? Gpu, int Count, Func<ArenaException> Error, bool Happens, DateTime? Until)
    {
        public int Remaining { get; set; } = Count;
    }

    /// <summary>This RunPod as a command sees it: through the naming of the command's config.</summary>
    private sealed class Seen : IRunPodBackend
    {
        private readonly InMemoryRunPodApi _runPod;
        private readonly PodMapper _mapper;

        public Seen(InMemoryRunPodApi runPod, PodMapper mapper)
        {
            _runPod = runPod;
            _mapper = mapper;
        }

        public Task<IReadOnlyList<ArenaPod>> ListPodsAsync(CancellationToken cancellationToken) => Task.Run(() => _runPod.ListNow(_mapper));
        public Task<ArenaPod?> GetPodAsync(string podId, CancellationToken cancellationToken) => Task.Run(() => _runPod.GetNow(podId, _mapper));
        public Task<ArenaPod> CreatePodAsync(PodCreateSpec spec, CancellationToken cancellationToken) => Task.Run(() => _runPod.CreateNow(spec, _mapper));
        public Task<PodActionAnswer> SendActionAsync(string podId, PodAction action, int gpuCount, CancellationToken cancellationToken) => Task.Run(() => _runPod.ActNow(podId, action, _mapper));
        public Task<GpuOffer?> GetGpuOfferAsync(string gpuTypeId, string cloudType, int gpuCount, CancellationToken cancellationToken) => Task.Run(() => _runPod.OfferNow(gpuTypeId, cloudType));
        public Task<IReadOnlyList<string>> GetAccountSshKeysAsync(CancellationToken cancellationToken) => Task.Run(() => _runPod.KeysNow());
        public Task<ArenaPod> SetLockedAsync(string podId, bool locked, CancellationToken cancellationToken) => Task.Run(() => _runPod.LockNow(podId, locked, _mapper));
        public Task ReadLogsAsync(string podId, int tail, bool follow, string? source, Action<PodLogEvent> onLine, CancellationToken cancellationToken) => Task.Run(() => _runPod.LogsNow(podId));
        public Task<IReadOnlyList<ArenaNetworkVolume>> ListNetworkVolumesAsync(CancellationToken cancellationToken) => _runPod.ListNetworkVolumesAsync(cancellationToken);
    }
}
