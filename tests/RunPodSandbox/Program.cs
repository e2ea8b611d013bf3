using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using RunPodSandbox;

// The RunPod sandbox: RunPod's REST API v2 and its GraphQL API on 127.0.0.1, from one state, with a
// request log and switchable faults.
// Usage: RunPodSandbox [--port 0] [--api-key KEY] [--start-delay-ms 3000] [--start-delay-spread SEED:MIN-MAX] [--latency-ms 0]
//                      [--rate-limit 0] [--seed none|demo] [--seed-count N] [--prefix arena] [--parent-pid PID] [--page-size 1000]
//                      [--sshd auto [--ssh-delay-ms 0] [--setup-delay-ms 0] [--runpod-env]]
var options = SandboxOptions.Parse(args);
IPodEndpointBackend backend = new GreetingEndpointBackend();
if (options.Sshd != null)
{
    var sshd = SshdEndpointBackend.FindSshd(options.Sshd);
    if (sshd == null)
    {
        Console.Error.WriteLine($"No sshd found ({options.Sshd}); install openssh-server.");
        return 2;
    }
    backend = new SshdEndpointBackend(sshd, options.PodsDirectory, options.SshDelay) { SetupDelay = options.SetupDelay, SandboxVariables = !options.RunPodEnvironment };
}
var state = new SandboxState(options, backend);
if (options.Seed == "demo") DemoFleet.Seed(state, options.Prefix);
if (options.SeedCount > 0) CountedFleet.Seed(state, options.Prefix, options.SeedCount);

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.UseUrls($"http://127.0.0.1:{options.Port}");
var app = builder.Build();

var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
// One rate limit for both APIs: they are one service to RunPod's edge.
var rateLimiter = new RateLimiter(options.RateLimitPerSecond);
var graphQl = new GraphQlEndpoint(state, rateLimiter);
app.MapPost("/graphql", graphQl.HandleAsync);
new RestEndpoint(state, rateLimiter).Map(app);
StartDelayEndpoints.Map(app, state);

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
// Break a pod's SSH without the API noticing: stop its sshd, give it a new host key in place, stall its SFTP, or cut its sessions.
app.MapPost("/_sandbox/pods/{id}/sshd/{action}", (string id, string action) =>
{
    var pod = state.GetPod(id);
    if (pod == null) return Results.NotFound();
    if (backend is not SshdEndpointBackend sshd) return Results.BadRequest("the sandbox runs without --sshd");
    var done = action switch
    {
        "stop" => sshd.StopDaemon(pod),
        "rekey" => sshd.Rekey(pod),
        "stallsftp" => sshd.StallSftp(pod),
        "drop" => sshd.DropSessions(pod),
        _ => false,
    };
    return done ? Results.NoContent() : Results.BadRequest($"cannot {action} the sshd of {id}");
});
// How many logins a pod's sshd accepted: what tests of kept sessions count.
app.MapGet("/_sandbox/pods/{id}/sshd", (string id) =>
{
    var pod = state.GetPod(id);
    return pod != null && backend is SshdEndpointBackend sshd ? Results.Json(new { logins = sshd.Logins(pod) }, json) : Results.NotFound();
});
app.MapGet("/_sandbox/pods/{id}/dir", (string id) =>
{
    var pod = state.GetPod(id);
    return pod != null && backend is SshdEndpointBackend sshd ? Results.Json(new { path = sshd.PodDirectory(pod) }, json) : Results.NotFound();
});
app.MapDelete("/_sandbox/pods", () => { state.ClearPods(); return Results.NoContent(); });
// Machines with traits (bad hosts), where the next pods of a name land, and a file to download.
SandboxMachineEndpoints.Map(app, state, json);
SandboxBillingEndpoints.Map(app, state, json);
// The account: its registered SSH keys ({"keys": [...]}) and the pod list's page size ({"pageSize": 2}); DELETE restores both.
app.MapPost("/_sandbox/account", async (HttpRequest request) =>
{
    using var document = await JsonDocument.ParseAsync(request.Body);
    var root = document.RootElement;
    if (root.TryGetProperty("keys", out var keys)) state.SetAccountSshKeys(keys.EnumerateArray().Select(k => k.GetString() ?? ""));
    if (root.TryGetProperty("pageSize", out var size)) state.PageSize = size.GetInt32();
    return Results.NoContent();
});
app.MapDelete("/_sandbox/account", () => { state.ResetAccount(); return Results.NoContent(); });
app.MapPost("/_sandbox/pods/{id}/log", async (string id, HttpRequest request) =>
{
    var lines = await JsonSerializer.DeserializeAsync<List<SandboxLogLine>>(request.Body, json);
    return lines != null && state.AppendLog(id, lines) ? Results.NoContent() : Results.NotFound();
});
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

if (options.ExitOnStdinClose)
{
    _ = Task.Run(async () =>
    {
        while (await Console.In.ReadLineAsync() != null) { }
        await app.StopAsync();
    });
}

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
(backend as IDisposable)?.Dispose();
return 0;
