using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using RunPodSandbox;

// The RunPod sandbox: RunPod's GraphQL API on 127.0.0.1, with a request log and switchable faults.
// Usage: RunPodSandbox [--port 0] [--api-key KEY] [--start-delay-ms 3000] [--latency-ms 0]
//                      [--rate-limit 0] [--seed none|demo] [--prefix arena] [--parent-pid PID]
var options = SandboxOptions.Parse(args);
var state = new SandboxState(options);
if (options.Seed == "demo") DemoFleet.Seed(state, options.Prefix);

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.UseUrls($"http://127.0.0.1:{options.Port}");
var app = builder.Build();

var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
var graphQl = new GraphQlEndpoint(state);
app.MapPost("/graphql", graphQl.HandleAsync);

// Test controls. Not part of RunPod's API.
app.MapGet("/_sandbox/requests", () => Results.Json(state.Requests(), json));
app.MapDelete("/_sandbox/requests", () => { state.ClearRequests(); return Results.NoContent(); });
app.MapGet("/_sandbox/faults", () => Results.Json(state.Faults(), json));
app.MapDelete("/_sandbox/faults", () => { state.ClearFaults(); return Results.NoContent(); });
app.MapPost("/_sandbox/faults", async (HttpRequest request) =>
{
    var fault = await JsonSerializer.DeserializeAsync<Fault>(request.Body, json);
    if (fault == null || !Fault.Kinds.Contains(fault.Kind)) return Results.BadRequest($"kind must be one of {string.Join(", ", Fault.Kinds)}");
    fault.Remaining = Math.Max(1, fault.Count);
    state.AddFault(fault);
    return Results.Json(fault, json);
});
app.MapGet("/_sandbox/pods", () => Results.Json(state.ListPods(), json));
app.MapDelete("/_sandbox/pods", () => { state.ClearPods(); return Results.NoContent(); });
app.MapPost("/_sandbox/pods", async (HttpRequest request) =>
{
    using var document = await JsonDocument.ParseAsync(request.Body);
    var pod = document.RootElement.Deserialize<SandboxPod>(json);
    if (pod == null) return Results.BadRequest("a pod object is expected");
    var seeded = state.Seed(pod, runtimeGiven: document.RootElement.TryGetProperty("runtime", out _));
    return Results.Json(new { seeded.Id }, json);
});

await app.StartAsync();
var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
Console.WriteLine($"RunPod sandbox listening on {address}");
Console.Out.Flush();

// Stop with the process that started us, so a crashed test run leaves nothing behind.
if (options.ParentPid is int parentPid)
{
    _ = Task.Run(async () =>
    {
        while (true)
        {
            await Task.Delay(1000);
            try
            {
                if (Process.GetProcessById(parentPid).HasExited) break;
            }
            catch (ArgumentException)
            {
                break;
            }
        }
        await app.StopAsync();
    });
}
await app.WaitForShutdownAsync();
