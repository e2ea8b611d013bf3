using System.Diagnostics;
using System.Text.Json;
using GraphQL;
using GraphQL.SystemTextJson;
using GraphQL.Transport;

namespace RunPodSandbox;

/// <summary>POST /graphql: faults first (as RunPod's edge would), then the key check, then the real GraphQL engine.</summary>
public sealed class GraphQlEndpoint
{
    private readonly SandboxState _state;
    private readonly SandboxSchema _schema = new();
    private readonly DocumentExecuter _executer = new();
    private readonly GraphQLSerializer _serializer = new();
    private readonly RateLimiter _rateLimiter;

    public GraphQlEndpoint(SandboxState state, RateLimiter rateLimiter)
    {
        _state = state;
        _rateLimiter = rateLimiter;
    }

    public async Task HandleAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(ct);
        var entry = RequestLogEntry.Of(context, body, operation: null);
        GraphQLRequest? request = null;
        try
        {
            request = _serializer.Deserialize<GraphQLRequest>(body);
            entry.OperationName = request?.OperationName;
        }
        catch (JsonException)
        {
        }

        try
        {
            if (_state.Options.Latency > TimeSpan.Zero) await Task.Delay(_state.Options.Latency, ct);

            if (!_rateLimiter.TryTake())
            {
                entry.Fault = "rateLimit";
                context.Response.Headers.RetryAfter = "1";
                await Json(context, 429, new { errors = new[] { new { message = "Too many requests" } } }, entry);
                return;
            }

            var fault = _state.TakeFault(body);
            entry.Fault = fault?.Kind;
            if (fault != null && await ApplyFaultBeforeAsync(context, fault, entry)) return;

            if (entry.Authorization != $"Bearer {_state.Options.ApiKey}")
            {
                await Json(context, 401, new { errors = new[] { new { message = "Unauthorized" } } }, entry);
                return;
            }
            if (request?.Query == null)
            {
                await Json(context, 400, new { errors = new[] { new { message = "Must provide query string.", extensions = new { code = "BAD_REQUEST" } } } }, entry);
                return;
            }

            var result = await _executer.ExecuteAsync(o =>
            {
                o.Schema = _schema;
                o.Query = request.Query;
                o.Variables = request.Variables;
                o.OperationName = request.OperationName;
                o.UserContext = new SandboxUserContext(_state);
                o.CancellationToken = ct;
            });

            if (fault?.Kind == "commitThen502")
            {
                // The pod was created; the answer is lost on the way back.
                await Text(context, 502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>", entry);
                return;
            }
            if (!result.Executed)
            {
                // Apollo, which RunPod runs, answers a query it cannot validate with HTTP 400.
                var errors = (result.Errors ?? new ExecutionErrors()).Select(e => new { message = e.Message, extensions = new { code = "GRAPHQL_VALIDATION_FAILED" } });
                await Json(context, 400, new { errors }, entry);
                return;
            }
            entry.Status = 200;
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await _serializer.WriteAsync(context.Response.Body, result, ct);
        }
        finally
        {
            _state.Log(entry);
        }
    }

    /// <summary>Answers in place of the real API when the fault says so; false to go on normally.</summary>
    private async Task<bool> ApplyFaultBeforeAsync(HttpContext context, Fault fault, RequestLogEntry entry)
    {
        switch (fault.Kind)
        {
            case "status":
                if (fault.RetryAfter != null) context.Response.Headers.RetryAfter = fault.RetryAfter;
                if (fault.RateLimit != null) context.Response.Headers["RateLimit"] = fault.RateLimit;
                await Json(context, fault.Status, new { errors = new[] { new { message = $"Sandbox fault: HTTP {fault.Status}" } } }, entry);
                return true;
            case "slow":
                await Task.Delay(fault.DelayMs, context.RequestAborted);
                return false;
            case "blocked1010":
                await Text(context, 403, "text/html", "<!DOCTYPE html><html><head><title>Access denied</title></head><body>error code: 1010</body></html>", entry);
                return true;
            case "malformedJson":
                await Text(context, 200, "application/json", "{\"data\": {\"myself\": {\"pods\": [", entry);
                return true;
            case "unauthorized200":
                await Json(context, 200, new { errors = new[] { new { message = "Unauthorized" } }, data = new { myself = (object?)null } }, entry);
                return true;
            case "myselfNull":
                await Json(context, 200, new { data = new { myself = (object?)null } }, entry);
                return true;
            case "capacity":
                await Json(context, 200, new
                {
                    errors = new[] { new { message = "There are no longer any instances available with the requested specifications. Please refresh and try again.", path = new[] { "podFindAndDeployOnDemand" }, extensions = new { code = "SUPPLY_CONSTRAINT" } } },
                    data = new { podFindAndDeployOnDemand = (object?)null },
                }, entry);
                return true;
            case "balance":
                await Json(context, 200, new
                {
                    errors = new[] { new { message = "Your account balance is too low to rent a pod. Please add funds to your account.", path = new[] { "podFindAndDeployOnDemand" } } },
                    data = new { podFindAndDeployOnDemand = (object?)null },
                }, entry);
                return true;
            case "noFreeGpus":
                await Json(context, 200, new
                {
                    errors = new[] { new { message = "There are not enough free GPUs on the host machine to start this pod.", path = new[] { "podResume" } } },
                    data = new { podResume = (object?)null },
                }, entry);
                return true;
            case "errorBody200":
                // GraphQL's own form of an error with a 2xx: errors beside no data.
                await Json(context, fault.Status is >= 200 and < 300 ? fault.Status : 200, new
                {
                    errors = new[] { new { message = fault.Detail ?? "Something went wrong. Please try again later or contact support." } },
                    data = (object?)null,
                }, entry);
                return true;
            default:
                // A redirect as the REST side gives it.
                return await RestEndpoint.ApplyAnswerFaultAsync(context, fault, entry);
        }
    }

    private static Task Json(HttpContext context, int status, object body, RequestLogEntry entry) =>
        Text(context, status, "application/json", JsonSerializer.Serialize(body), entry);

    private static async Task Text(HttpContext context, int status, string contentType, string body, RequestLogEntry entry)
    {
        entry.Status = status;
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        await context.Response.WriteAsync(body, context.RequestAborted);
    }
}

/// <summary>A fixed window a second wide: enough to tell whether a client keeps under a limit.</summary>
public sealed class RateLimiter
{
    private readonly int _perSecond;
    private readonly object _gate = new();
    private long _windowStart = Stopwatch.GetTimestamp();
    private int _used;

    public RateLimiter(int perSecond) => _perSecond = perSecond;

    public bool TryTake()
    {
        if (_perSecond <= 0) return true;
        lock (_gate)
        {
            var now = Stopwatch.GetTimestamp();
            if (Stopwatch.GetElapsedTime(_windowStart, now) >= TimeSpan.FromSeconds(1))
            {
                _windowStart = now;
                _used = 0;
            }
            return ++_used <= _perSecond;
        }
    }
}
