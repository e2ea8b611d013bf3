using System.Text.Json;

namespace RunPodSandbox;

/// <summary>The test controls of start delays: POST /_sandbox/start-delays {"camp-alpha": 5000, ...}; DELETE forgets the pending ones.</summary>
public static class StartDelayEndpoints
{
    public static void Map(WebApplication app, SandboxState state)
    {
        app.MapPost("/_sandbox/start-delays", async (HttpRequest request) =>
        {
            Dictionary<string, int>? byName;
            try
            {
                byName = await JsonSerializer.DeserializeAsync<Dictionary<string, int>>(request.Body);
            }
            catch (JsonException)
            {
                byName = null;
            }
            if (byName == null || byName.Values.Any(ms => ms < 0)) return Results.BadRequest("an object of pod names and delays in ms (0 or more) is expected");
            state.SetStartDelays(byName);
            return Results.NoContent();
        });
        app.MapDelete("/_sandbox/start-delays", () => { state.ClearStartDelays(); return Results.NoContent(); });
    }
}
