using System.Globalization;
using System.Text;
using System.Text.Json;

namespace RunPodSandbox;

/// <summary>
/// RunPod's REST API v2, the part the module uses, from the same state and faults as the GraphQL side:
/// faults first (as RunPod's edge would), then the key check, then the request checked against
/// V2Schema (422 naming what is wrong), then the answer in v2's shapes with every required field.
/// Every authenticated answer carries RunPod's RateLimit header.
/// </summary>
public sealed partial class RestEndpoint
{
    private readonly SandboxState _state;
    private readonly RateLimiter _rateLimiter;
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public RestEndpoint(SandboxState state, RateLimiter rateLimiter)
    {
        _state = state;
        _rateLimiter = rateLimiter;
    }

    public void Map(WebApplication app)
    {
        app.MapGet("/v2/pods", (HttpContext c) => Handle(c, "ListPods", "myself pods", null, ListPods));
        app.MapPost("/v2/pods", (HttpContext c) => Handle(c, "CreatePod", "podFindAndDeployOnDemand", null, CreatePod));
        app.MapGet("/v2/pods/{id}", (HttpContext c, string id) => Handle(c, "GetPod", "pod(", id, GetPod));
        app.MapDelete("/v2/pods/{id}", (HttpContext c, string id) => Handle(c, "TerminatePod", "podTerminate", id, DeletePod));
        app.MapPatch("/v2/pods/{id}", (HttpContext c, string id) => Handle(c, "LockPod", "podLock", id, PatchPod));
        app.MapPost("/v2/pods/{id}/action", (HttpContext c, string id) => Handle(c, null, null, id, Action));
        app.MapGet("/v2/pods/{id}/logs", (HttpContext c, string id) => Handle(c, "PodLogs", "podLogs", id, Logs));
        app.MapGet("/v2/catalog/gpus/{id}", (HttpContext c, string id) => Handle(c, "GpuPrice", "gpuTypes", id, GpuType));
        app.MapGet("/v2/account/ssh-keys", (HttpContext c) => Handle(c, "AccountSshKeys", "sshKeys", null, AccountSshKeys));
        app.MapGet("/v2/billing/pods", (HttpContext c) => Handle(c, "PodBilling", "billingPods", null, PodBilling));
        app.MapGet("/v2/billing", (HttpContext c) => Handle(c, "Billing", "billing", null, Billing));
        MapNetworkVolumes(app);
    }

    private delegate Task Handler(HttpContext context, Request request);

    /// <summary>One request as the handlers see it: its body (parsed), its target id, and its log entry.</summary>
    private sealed class Request
    {
        public string Body { get; init; } = "";
        public JsonElement? Json { get; init; }
        public string? Id { get; init; }
        public RequestLogEntry Entry { get; init; } = new();
        public Fault? Fault { get; set; }
    }

    private async Task Handle(HttpContext context, string? operation, string? graphQlField, string? id, Handler handler)
    {
        var ct = context.RequestAborted;
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(ct);
        JsonElement? json = null;
        if (body.Length > 0)
        {
            try
            {
                using var document = JsonDocument.Parse(body);
                json = document.RootElement.Clone();
            }
            catch (JsonException)
            {
            }
        }
        if (operation == null)
        {
            // An action names what it is in its body: the log says it as the GraphQL side would.
            var action = json is { ValueKind: JsonValueKind.Object } a && a.TryGetProperty("action", out var value) ? value.GetString() : null;
            (operation, graphQlField) = action switch
            {
                "stop" => ("StopPod", "podStop"),
                "start" => ("ResumePod", "podResume"),
                "terminate" => ("TerminatePod", "podTerminate"),
                "restart" => ("RestartPod", "podRestart"),
                _ => ("PodAction", "podAction"),
            };
        }
        var entry = RequestLogEntry.Of(context, body, operation);
        try
        {
            if (_state.Options.Latency > TimeSpan.Zero) await Task.Delay(_state.Options.Latency, ct);
            if (!_rateLimiter.TryTake())
            {
                entry.Fault = "rateLimit";
                context.Response.Headers.RetryAfter = "1";
                await Problem(context, 429, "too many requests", entry);
                return;
            }
            // The operation, and what names a GPU type (a catalog id, a create's body), so faults can be aimed at one.
            var fault = _state.TakeFault($"rest:{operation} {graphQlField} {id} {body}");
            entry.Fault = fault?.Kind;
            if (fault != null && await ApplyFaultBeforeAsync(context, fault, entry)) return;
            if (entry.Authorization != $"Bearer {_state.Options.ApiKey}")
            {
                await Problem(context, 401, entry.Authorization == null ? "missing bearer token" : "invalid bearer token", entry);
                return;
            }
            context.Response.Headers["RateLimit"] = fault?.Kind == "rateLimitWindow"
                ? $"\"minute\";r=0;t={fault.ResetSec.ToString(CultureInfo.InvariantCulture)}, \"hour\";r=2800;t=1812"
                : "\"minute\";r=99;t=60, \"hour\";r=2800;t=1812";
            context.Response.Headers["RateLimit-Policy"] = "\"minute\";q=100;w=60, \"hour\";q=3000;w=3600";
            await handler(context, new Request { Body = body, Json = json, Id = id, Entry = entry, Fault = fault });
        }
        finally
        {
            if (entry.Sequence == 0) _state.Log(entry);
        }
    }

    private async Task ListPods(HttpContext context, Request request)
    {
        if (await BadQuery(context, request, new()
        {
            ["includeClusterPods"] = v => v is "true" or "false",
            ["limit"] = v => V2Schema.IsInteger(v, 1, MaxPageSize),
            ["cursor"] = v => v.Length > 0,
        })) return;
        await ListPodsPageAsync(context, request);
    }

    private async Task GetPod(HttpContext context, Request request)
    {
        if (await BadQuery(context, request, new())) return;
        var pod = _state.GetPod(request.Id!);
        if (pod == null) await Problem(context, 404, "pod not found", request.Entry);
        else await Ok(context, 200, PodJson(pod), request.Entry);
    }

    private async Task CreatePod(HttpContext context, Request request)
    {
        if (await BadQuery(context, request, new())) return;
        if (request.Json is not JsonElement body)
        {
            await Problem(context, 400, "request body must be JSON", request.Entry);
            return;
        }
        var errors = V2Schema.CheckCreatePod(body);
        if (errors.Count > 0)
        {
            await Problem(context, 422, "Request validation failed.", request.Entry, errors);
            return;
        }
        var gpu = body.GetProperty("gpu");
        var gpuId = gpu.GetProperty("id").GetString()!;
        if (!SandboxState.GpuTypes.ContainsKey(gpuId))
        {
            await Problem(context, 400, $"unknown GPU type '{gpuId}'", request.Entry);
            return;
        }
        if (!SandboxState.OffersOn(gpuId, body.TryGetProperty("cloud", out var asked) ? asked.GetString()! : "SECURE"))
        {
            await Problem(context, 400, "There are no longer any instances available with the requested specifications.", request.Entry);
            return;
        }
        var env = body.TryGetProperty("env", out var e) ? e.EnumerateObject().Select(p => $"{p.Name}={p.Value.GetString()}").ToList() : new List<string>();
        var persistent = body.TryGetProperty("mounts", out var m) && m.TryGetProperty("persistent", out var p) ? p : (JsonElement?)null;
        var pod = _state.Create(new NewPod(
            body.GetProperty("name").GetString(),
            body.TryGetProperty("image", out var image) ? image.GetString() : null,
            gpuId,
            gpu.TryGetProperty("count", out var count) ? count.GetInt32() : 1,
            body.TryGetProperty("cloud", out var cloud) ? cloud.GetString()! : "SECURE",
            body.TryGetProperty("disk", out var disk) ? disk.GetInt32() : 50,
            persistent?.GetProperty("size").GetInt32() ?? 0,
            persistent?.GetProperty("path").GetString(),
            body.TryGetProperty("ports", out var ports) ? string.Join(",", ports.EnumerateArray().Select(x => x.GetString())) : null,
            env));
        if (request.Fault?.Kind == "commitThen502")
        {
            // The pod was created; the answer is lost on the way back.
            await Text(context, 502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>", request.Entry);
            return;
        }
        await Ok(context, 201, PodJson(pod), request.Entry);
    }

    private async Task Action(HttpContext context, Request request)
    {
        if (await BadQuery(context, request, new())) return;
        if (request.Json is not JsonElement body)
        {
            await Problem(context, 400, "request body must be JSON", request.Entry);
            return;
        }
        var errors = V2Schema.CheckAction(body);
        if (errors.Count > 0)
        {
            await Problem(context, 422, "Request validation failed.", request.Entry, errors);
            return;
        }
        var pod = _state.GetPod(request.Id!);
        if (pod == null)
        {
            await Problem(context, 404, "pod not found", request.Entry);
            return;
        }
        var action = body.GetProperty("action").GetString()!;
        if (await RefusedAsLocked(context, request, pod, action)) return;
        var status = _state.V2StatusOf(pod);
        if (!ActionsOf(status).Contains(action))
        {
            await Problem(context, 409, $"cannot {action} a pod that is {status}", request.Entry);
            return;
        }
        switch (action)
        {
            case "stop": _state.Stop(pod.Id); break;
            case "start": _state.Resume(pod.Id); break;
            case "restart": _state.Stop(pod.Id); _state.Resume(pod.Id); break;
            case "terminate":
                _state.Terminate(pod.Id);
                break;
        }
        if (request.Fault?.Kind == "commitThen502")
        {
            // Done, and the answer lost on the way back.
            await Text(context, 502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>", request.Entry);
            return;
        }
        if (action == "terminate")
        {
            request.Entry.Status = 204;
            context.Response.StatusCode = 204;
            return;
        }
        await Ok(context, 200, PodJson(pod), request.Entry);
    }

    private async Task DeletePod(HttpContext context, Request request)
    {
        if (await BadQuery(context, request, new())) return;
        var pod = _state.GetPod(request.Id!);
        if (pod == null)
        {
            await Problem(context, 404, "pod not found", request.Entry);
            return;
        }
        if (await RefusedAsLocked(context, request, pod, "terminate")) return;
        _state.Terminate(request.Id!);
        request.Entry.Status = 204;
        context.Response.StatusCode = 204;
    }

    /// <summary>PATCH /v2/pods/{id} with exactly {"locked": true|false}: 200 with the whole pod, as RunPod answers.</summary>
    private async Task PatchPod(HttpContext context, Request request)
    {
        if (await BadQuery(context, request, new())) return;
        if (request.Json is not JsonElement body)
        {
            await Problem(context, 400, "request body must be JSON", request.Entry);
            return;
        }
        var errors = V2Schema.CheckLock(body);
        if (errors.Count > 0)
        {
            await Problem(context, 422, "Request validation failed.", request.Entry, errors);
            return;
        }
        var pod = _state.SetLocked(request.Id!, body.GetProperty("locked").GetBoolean());
        if (pod == null) await Problem(context, 404, "pod not found", request.Entry);
        else await Ok(context, 200, PodJson(pod), request.Entry);
    }

    /// <summary>
    /// A locked pod's stop, restart and terminate (the action or DELETE) answer 400 "Pod is locked",
    /// from any client, as on RunPod; its actions list is unchanged. True when it answered so.
    /// </summary>
    private static async Task<bool> RefusedAsLocked(HttpContext context, Request request, SandboxPod pod, string action)
    {
        if (!pod.Locked || action is not ("stop" or "restart" or "terminate")) return false;
        await Problem(context, 400, "Pod is locked", request.Entry);
        return true;
    }

    /// <summary>Server-Sent Events: the last 'tail' lines, then (while the client listens) a heartbeat line now and then.</summary>
    private async Task Logs(HttpContext context, Request request)
    {
        if (await BadQuery(context, request, new()
        {
            ["tail"] = v => V2Schema.IsInteger(v, 0, 5000),
            ["source"] = v => v is "container" or "system",
            ["since"] = v => DateTimeOffset.TryParse(v, CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
        })) return;
        var pod = _state.GetPod(request.Id!);
        if (pod == null)
        {
            await Problem(context, 404, "pod not found", request.Entry);
            return;
        }
        var query = context.Request.Query;
        var tail = query.TryGetValue("tail", out var t) ? int.Parse(t[0]!, CultureInfo.InvariantCulture) : 100;
        var source = query.TryGetValue("source", out var s) ? s[0] : null;
        var lines = _state.LogOf(pod).Where(l => source == null || l.Source == source).ToList();
        request.Entry.Status = 200;
        // A stream ends when the client leaves: it goes into the log now, not then.
        _state.Log(request.Entry);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        var ct = context.RequestAborted;
        var sequence = 0;
        async Task Send(SandboxLogLine line)
        {
            var data = JsonSerializer.Serialize(new { ts = line.Ts.ToString("O", CultureInfo.InvariantCulture), source = line.Source, line = line.Line });
            await context.Response.WriteAsync($"id: {line.Ts:O}/{++sequence:D12}\ndata: {data}\n\n", ct);
            await context.Response.Body.FlushAsync(ct);
        }
        try
        {
            foreach (var line in lines.Skip(Math.Max(0, lines.Count - tail))) await Send(line);
            if (request.Fault?.Kind == "slowLogs")
            {
                // Headers and the backfill, then nothing at all: a client must end this by its deadline or Ctrl+C.
                await Task.Delay(Timeout.Infinite, ct);
            }
            // The stream stays open, as RunPod's does: new lines as the pod logs them, and now and then a heartbeat.
            var sent = _state.LogOf(pod).Count;
            var quietSince = DateTimeOffset.UtcNow;
            while (true)
            {
                await Task.Delay(200, ct);
                var now = _state.LogOf(pod);
                foreach (var line in now.Skip(sent).Where(l => source == null || l.Source == source)) await Send(line);
                if (now.Count > sent) quietSince = DateTimeOffset.UtcNow;
                sent = now.Count;
                if (DateTimeOffset.UtcNow - quietSince > TimeSpan.FromSeconds(5))
                {
                    await Send(new SandboxLogLine { Source = "container", Line = "heartbeat" });
                    quietSince = DateTimeOffset.UtcNow;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task GpuType(HttpContext context, Request request)
    {
        if (await BadQuery(context, request, new()
        {
            ["include"] = v => v == "AVAILABILITY",
            ["product"] = v => v.Split(',').All(p => p is "POD" or "CLUSTER" or "SERVERLESS"),
            ["count"] = v => V2Schema.IsInteger(v, 1),
            ["cloud"] = v => V2Schema.Clouds.Contains(v),
        })) return;
        var query = context.Request.Query;
        var include = query.ContainsKey("include");
        if (include != query.ContainsKey("product"))
        {
            await Problem(context, 400, "product is required with include=AVAILABILITY, and valid only with it", request.Entry);
            return;
        }
        if (!SandboxState.GpuTypes.TryGetValue(request.Id!, out var gpu))
        {
            await Problem(context, 404, "GPU type not found", request.Entry);
            return;
        }
        var answer = new Dictionary<string, object?>
        {
            ["id"] = request.Id,
            ["name"] = gpu.Display,
            ["pool"] = "AMPERE_16",
            ["manufacturer"] = "Nvidia",
            ["memory"] = 16,
            // A cloud the type is not offered on shows false, a price of 0 and a max count of 0, as RunPod's catalog does.
            ["secure"] = gpu.Secure > 0,
            ["community"] = gpu.Community > 0,
            ["price"] = new { secure = gpu.Secure, community = gpu.Community },
            ["maxCount"] = new { secure = gpu.Secure > 0 ? 8 : 0, community = gpu.Community > 0 ? 4 : 0 },
        };
        if (include) answer["availability"] = request.Fault?.Kind is "capacity" or "noStock" ? "NONE" : "HIGH";
        await Ok(context, 200, answer, request.Entry);
    }

    /// <summary>A pod in v2's shape: every field the document marks required, null where it says it may be.</summary>
    private object PodJson(SandboxPod pod)
    {
        var status = _state.V2StatusOf(pod);
        var runtime = status == "RUNNING" ? _state.RuntimeOf(pod) : null;
        var sshPort = runtime?.Ports?.FirstOrDefault(p => p.PrivatePort == 22 && p.IsIpPublic == true);
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in pod.Env)
        {
            var equals = entry.IndexOf('=');
            if (equals > 0) env[entry[..equals]] = entry[(equals + 1)..];
        }
        var running = status == "RUNNING";
        return new Dictionary<string, object?>
        {
            ["id"] = pod.Id,
            ["name"] = pod.Name ?? "",
            ["status"] = status,
            ["actions"] = ActionsOf(status),
            ["image"] = pod.ImageName ?? "",
            ["args"] = pod.DockerArgs ?? "",
            ["disk"] = Math.Max(1, pod.ContainerDiskInGb),
            ["mounts"] = pod.VolumeInGb > 0 ? new { persistent = new { size = pod.VolumeInGb, path = pod.VolumeMountPath ?? "/workspace" } } : new object(),
            ["ports"] = (pod.Ports ?? "8888/http,22/tcp").Split(',', StringSplitOptions.RemoveEmptyEntries),
            ["env"] = env,
            ["registry"] = null,
            ["gpu"] = new { id = pod.GpuTypeId ?? "NVIDIA RTX A4000", count = pod.GpuCount },
            ["cloud"] = pod.Cloud ?? "COMMUNITY",
            ["machineId"] = pod.MachineId,
            ["dataCenterId"] = status is "PROVISIONING" ? null : pod.Machine?.Location ?? "EU-CZ-1",
            ["cudaVersion"] = status is "PROVISIONING" ? null : "12.8",
            ["ssh"] = new Dictionary<string, object?>
            {
                ["proxy"] = status is "PROVISIONING" ? null : new { host = "ssh.runpod.io", port = 22, username = $"{pod.Id}-64411eb2", command = $"ssh {pod.Id}-64411eb2@ssh.runpod.io" },
                ["direct"] = sshPort == null ? null : new { host = sshPort.Ip, port = sshPort.PublicPort, username = "root", command = $"ssh root@{sshPort.Ip} -p {sshPort.PublicPort}" },
            },
            ["template"] = null,
            ["cost"] = running || status is "STARTING" or "PROVISIONING" ? pod.CostPerHr : 0.0,
            ["locked"] = pod.Locked,
            ["runtime"] = runtime == null ? null : new Dictionary<string, object?>
            {
                ["uptime"] = runtime.UptimeInSeconds ?? 0,
                ["gpus"] = Enumerable.Range(0, Math.Max(1, pod.GpuCount)).Select(_ => new { util = 37, memoryUtil = 8 }).ToList(),
                ["cpu"] = new { util = 12 },
                ["memory"] = new { util = 20 },
                ["ports"] = runtime.Ports?.Select(p => new { @private = p.PrivatePort, @public = p.IsIpPublic == true ? p.PublicPort : null, type = p.Type, ip = p.IsIpPublic == true ? p.Ip : null }).ToList(),
            },
            ["createdAt"] = pod.CreatedAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["startedAt"] = running ? (pod.StartedAt ?? pod.ReadyAt).ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : null,
            ["globalNetworking"] = new { enabled = false },
        };
    }

    public static string[] ActionsOf(string status) => status switch
    {
        "RUNNING" => new[] { "stop", "restart", "terminate" },
        "STARTING" or "PROVISIONING" => new[] { "stop", "terminate" },
        "EXITED" => new[] { "start", "terminate" },
        "ERROR" => new[] { "terminate" },
        _ => Array.Empty<string>(),
    };

    private async Task<bool> BadQuery(HttpContext context, Request request, Dictionary<string, Func<string, bool>> allowed)
    {
        var errors = V2Schema.CheckQuery(context.Request.Query, allowed);
        if (errors.Count == 0) return false;
        await Problem(context, 422, "Request validation failed.", request.Entry, errors);
        return true;
    }

    /// <summary>Answers in place of the real API when the fault says so; false to go on normally.</summary>
    private async Task<bool> ApplyFaultBeforeAsync(HttpContext context, Fault fault, RequestLogEntry entry)
    {
        switch (fault.Kind)
        {
            case "status":
                if (fault.RetryAfter != null) context.Response.Headers.RetryAfter = fault.RetryAfter;
                if (fault.RateLimit != null) context.Response.Headers["RateLimit"] = fault.RateLimit;
                if (fault.Status >= 500 && fault.Detail == null)
                {
                    await Text(context, fault.Status, "text/html", $"<html><body><h1>{fault.Status}</h1></body></html>", entry);
                }
                else
                {
                    await Problem(context, fault.Status, fault.Detail ?? $"sandbox fault: HTTP {fault.Status}", entry, fault.Status == 422 ? new List<string> { "$: sandbox fault" } : null);
                }
                return true;
            case "slow":
                await Task.Delay(fault.DelayMs, context.RequestAborted);
                return false;
            case "slowCommit":
                // Slow, and done even if the client gives up waiting, as RunPod's creates are.
                await Task.Delay(fault.DelayMs, CancellationToken.None);
                return false;
            case "stallBody":
                // Headers and the start of a body, then nothing: only the client's deadline ends this.
                entry.Status = 200;
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("{\"pods\": [", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                try { await Task.Delay(Timeout.Infinite, context.RequestAborted); } catch (OperationCanceledException) { }
                return true;
            case "endlessBody":
                // A body that never ends: only the client's size cap ends this.
                entry.Status = 200;
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/json";
                var chunk = Encoding.UTF8.GetBytes("{\"pods\": [" + string.Concat(Enumerable.Repeat("{\"id\":\"x\"},", 5000)));
                try
                {
                    for (long sent = 0; sent < 1L << 36; sent += chunk.Length) await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
                }
                catch (Exception) when (context.RequestAborted.IsCancellationRequested)
                {
                }
                return true;
            case "blocked1010":
                await Text(context, 403, "text/html", "<!DOCTYPE html><html><head><title>Access denied</title></head><body>error code: 1010</body></html>", entry);
                return true;
            case "malformedJson":
                await Text(context, 200, "application/json", "{\"pods\": [{\"id\": ", entry);
                return true;
            case "unauthorized200":
            case "myselfNull":
                await Problem(context, 401, "invalid bearer token", entry);
                return true;
            case "capacity":
                if (entry.OperationName == "GpuPrice") return false;
                await Problem(context, 400, "There are no longer any instances available with the requested specifications: no capacity.", entry);
                return true;
            case "balance":
                await Problem(context, 402, "Your account balance is too low to rent a pod. Please add funds to your account.", entry);
                return true;
            case "noFreeGpus":
                await Problem(context, 400, "There are not enough free GPUs on the host machine to start this pod.", entry);
                return true;
            default:
                return await ApplyAnswerFaultAsync(context, fault, entry);
        }
    }

    private static readonly Dictionary<int, string> Titles = new()
    {
        [400] = "Bad Request", [401] = "Unauthorized", [402] = "Payment Required", [403] = "Forbidden", [404] = "Not Found",
        [409] = "Conflict", [410] = "Gone", [422] = "Unprocessable Entity", [429] = "Too Many Requests", [500] = "Internal Server Error",
        [502] = "Bad Gateway", [503] = "Service Unavailable", [504] = "Gateway Timeout",
    };

    private static Task Problem(HttpContext context, int status, string detail, RequestLogEntry entry, List<string>? errors = null)
    {
        var problem = new Dictionary<string, object?> { ["title"] = Titles.GetValueOrDefault(status, "Error"), ["status"] = status, ["detail"] = detail };
        if (errors != null) problem["errors"] = errors;
        return Text(context, status, "application/problem+json", JsonSerializer.Serialize(problem), entry);
    }

    private static Task Ok(HttpContext context, int status, object body, RequestLogEntry entry) =>
        Text(context, status, "application/json", JsonSerializer.Serialize(body, Json), entry);

    private static async Task Text(HttpContext context, int status, string contentType, string body, RequestLogEntry entry)
    {
        entry.Status = status;
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        await context.Response.WriteAsync(body, Encoding.UTF8, context.RequestAborted);
    }
}
