using System.Runtime.CompilerServices;
using System.Text.Json;

namespace RunPodSandbox;

/// <summary>One network volume as REST v2 lists it: every field the published document requires.</summary>
public sealed class SandboxNetworkVolume
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public int Size { get; set; }
    public string DataCenter { get; set; } = "";
    public string Type { get; set; } = "";
}

/// <summary>The account's network volumes, kept beside the state (the tests seed them; RunPod has no create here).</summary>
public sealed class SandboxNetworkVolumes
{
    private static readonly ConditionalWeakTable<SandboxState, SandboxNetworkVolumes> ByState = new();
    private readonly object _gate = new();
    private readonly List<SandboxNetworkVolume> _volumes = new();
    private int _next;

    public static SandboxNetworkVolumes Of(SandboxState state) => ByState.GetValue(state, _ => new SandboxNetworkVolumes());

    public IReadOnlyList<SandboxNetworkVolume> All() { lock (_gate) return _volumes.ToList(); }

    public void Clear() { lock (_gate) _volumes.Clear(); }

    /// <summary>A volume as the document allows it (size 10-4096 GB, type STANDARD or HIGH_PERFORMANCE), with a fresh id; null with the reason otherwise.</summary>
    public (SandboxNetworkVolume? Volume, string? Error) Add(SandboxNetworkVolume volume)
    {
        if (volume.Size < 10 || volume.Size > 4096) return (null, "size must be 10-4096");
        if (volume.Type is not ("STANDARD" or "HIGH_PERFORMANCE")) return (null, "type must be STANDARD or HIGH_PERFORMANCE");
        if (volume.DataCenter.Length == 0) return (null, "dataCenter is required");
        lock (_gate)
        {
            volume.Id = "nv" + (++_next).ToString("x6", System.Globalization.CultureInfo.InvariantCulture);
            _volumes.Add(volume);
        }
        return (volume, null);
    }
}

/// <summary>REST v2's GET /v2/network-volumes (no query parameters, no paging: the document has none), and its test controls.</summary>
public sealed partial class RestEndpoint
{
    private void MapNetworkVolumes(WebApplication app)
    {
        app.MapGet("/v2/network-volumes", (HttpContext c) => Handle(c, "ListNetworkVolumes", "networkVolumes", null, ListNetworkVolumes));
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        app.MapPost("/_sandbox/network-volumes", async (HttpRequest request) =>
        {
            SandboxNetworkVolume? volume;
            try
            {
                volume = await JsonSerializer.DeserializeAsync<SandboxNetworkVolume>(request.Body, json);
            }
            catch (JsonException)
            {
                volume = null;
            }
            if (volume == null) return Results.BadRequest("a network volume object is expected");
            var (added, error) = SandboxNetworkVolumes.Of(_state).Add(volume);
            return added == null ? Results.BadRequest(error) : Results.Json(new { added.Id }, json);
        });
        app.MapDelete("/_sandbox/network-volumes", () => { SandboxNetworkVolumes.Of(_state).Clear(); return Results.NoContent(); });
    }

    private async Task ListNetworkVolumes(HttpContext context, Request request)
    {
        if (await BadQuery(context, request, new())) return;
        var volumes = SandboxNetworkVolumes.Of(_state).All()
            .Select(v => new { id = v.Id, name = v.Name, size = v.Size, dataCenter = v.DataCenter, type = v.Type });
        await Ok(context, 200, new { networkVolumes = volumes }, request.Entry);
    }
}
