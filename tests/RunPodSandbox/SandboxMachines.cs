using System.Text.Json;

namespace RunPodSandbox;

/// <summary>
/// A machine pods run on, with what is wrong with it: the sandbox's bad hosts. A pod built on it gets
/// its stand-ins (PodStandIns) from these traits; a pod on no registered machine gets a fresh healthy one.
/// </summary>
public sealed class SandboxHost
{
    /// <summary>What a bad host can have wrong with it.</summary>
    public static readonly string[] Faults = { "noNvidiaSmi", "oldDriver", "missingGpu", "badMatmul", "slowDownload", "badPeer", "busyHost" };

    public const string HealthyDriver = "575.57.08";
    public const string OldDriver = "535.104.05";

    public string Id { get; set; } = "";
    public string? Fault { get; set; }
    /// <summary>How many GPUs the machine has; a pod sees the GPUs it booked.</summary>
    public int GpuCount { get; set; } = 1;
    /// <summary>The driver nvidia-smi reports; by default a current one, or an old one for oldDriver.</summary>
    public string? Driver { get; set; }

    public string DriverVersion => Driver ?? (Fault == "oldDriver" ? OldDriver : HealthyDriver);
}

public sealed partial class SandboxState
{
    private readonly Dictionary<string, SandboxHost> _hosts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<string>> _placements = new(StringComparer.Ordinal);

    public SandboxHost RegisterMachine(SandboxHost host)
    {
        lock (_gate) return _hosts[host.Id] = host;
    }

    /// <summary>The next creates of a pod with this name land on these machines, in order.</summary>
    public void Place(string podName, IEnumerable<string> machineIds)
    {
        lock (_gate) _placements[podName] = new Queue<string>(machineIds);
    }

    public IReadOnlyList<SandboxHost> Machines()
    {
        lock (_gate) return _hosts.Values.ToList();
    }

    public void ClearMachines()
    {
        lock (_gate)
        {
            _hosts.Clear();
            _placements.Clear();
        }
    }

    /// <summary>The machine a new pod of this name lands on (called under the lock).</summary>
    private SandboxHost MachineFor(string? podName)
    {
        if (podName != null && _placements.TryGetValue(podName, out var queue) && queue.Count > 0)
        {
            var id = queue.Dequeue();
            return _hosts.TryGetValue(id, out var placed) ? placed : _hosts[id] = new SandboxHost { Id = id };
        }
        return new SandboxHost { Id = NewId().Substring(0, 12) };
    }
}

/// <summary>The test controls for machines, placement, and a file to download on 127.0.0.1. Not part of RunPod's API.</summary>
public static class SandboxMachineEndpoints
{
    /// <summary>What GET /_sandbox/download serves (ranges honoured): the deep check's download on 127.0.0.1.</summary>
    private static readonly byte[] Download = new byte[8 * 1024 * 1024];

    public static void Map(WebApplication app, SandboxState state, JsonSerializerOptions json)
    {
        app.MapGet("/_sandbox/machines", () => Results.Json(state.Machines(), json));
        app.MapDelete("/_sandbox/machines", () => { state.ClearMachines(); return Results.NoContent(); });
        app.MapPost("/_sandbox/machines", async (HttpRequest request) =>
        {
            var host = await JsonSerializer.DeserializeAsync<SandboxHost>(request.Body, json);
            if (host == null || string.IsNullOrEmpty(host.Id)) return Results.BadRequest("a machine needs an id");
            if (host.Fault != null && !SandboxHost.Faults.Contains(host.Fault)) return Results.BadRequest($"fault must be one of {string.Join(", ", SandboxHost.Faults)}");
            if (host.GpuCount < 1) return Results.BadRequest("gpuCount must be at least 1");
            return Results.Json(state.RegisterMachine(host), json);
        });
        app.MapPost("/_sandbox/placement", async (HttpRequest request) =>
        {
            using var document = await JsonDocument.ParseAsync(request.Body);
            var root = document.RootElement;
            if (!root.TryGetProperty("name", out var name) || name.GetString() is not string podName || !root.TryGetProperty("machines", out var machines))
            {
                return Results.BadRequest("{\"name\": ..., \"machines\": [...]} is expected");
            }
            state.Place(podName, machines.EnumerateArray().Select(m => m.GetString() ?? ""));
            return Results.NoContent();
        });
        app.MapGet("/_sandbox/download", () => Results.File(Download, "application/octet-stream", enableRangeProcessing: true));
        // The same bytes over a slow link (about 100 KB/s): where a slow host's curl stand-in sends the download.
        app.MapGet("/_sandbox/download/slow", async (HttpContext context) =>
        {
            context.Response.ContentType = "application/octet-stream";
            var chunk = new byte[10 * 1024];
            try
            {
                for (var sent = 0; sent < Download.Length && !context.RequestAborted.IsCancellationRequested; sent += chunk.Length)
                {
                    await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                    await Task.Delay(100, context.RequestAborted);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
    }
}
