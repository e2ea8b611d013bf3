using System.Text.Json;

namespace RunPodSandbox;

/// <summary>
/// The request side of RunPod's REST API v2 that the module uses, written from RunPod's published
/// document (CreatePodRequest, PodActionRequest and the query parameters of the endpoints served
/// here). Where the document leaves room, the sandbox is stricter: any field or parameter it does not
/// name is refused with 422, as v2 refuses unknown body fields, so a client that sends more than the
/// contract fails here before it fails on RunPod.
/// </summary>
public static class V2Schema
{
    public static readonly string[] Clouds = { "SECURE", "COMMUNITY" };
    public static readonly string[] Actions = { "start", "stop", "restart", "terminate" };

    /// <summary>The problems with a CreatePodRequest, each as v2 words them ("$.gpu: ..."); empty when it is valid.</summary>
    public static List<string> CheckCreatePod(JsonElement body)
    {
        var errors = new List<string>();
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add("$: expected an object");
            return errors;
        }
        Only(body, "$", errors, "name", "image", "gpu", "cpu", "cloud", "dataCenterIds", "globalNetworking", "mounts", "startJupyter",
            "startSsh", "templateId", "args", "disk", "env", "ports", "registry");
        Required(body, "$", errors, "name");
        if (!body.TryGetProperty("templateId", out _)) Required(body, "$", errors, "image");
        String(body, "name", "$", errors, minLength: 1);
        String(body, "image", "$", errors);
        String(body, "templateId", "$", errors, minLength: 1);
        String(body, "args", "$", errors);
        Integer(body, "disk", "$", errors, minimum: 1);
        Boolean(body, "globalNetworking", "$", errors);
        Boolean(body, "startJupyter", "$", errors);
        Boolean(body, "startSsh", "$", errors);
        if (body.TryGetProperty("registry", out var registry) && registry.ValueKind != JsonValueKind.String && registry.ValueKind != JsonValueKind.Null)
        {
            errors.Add("$.registry: expected string or null");
        }
        if (body.TryGetProperty("cloud", out var cloud) && (cloud.ValueKind != JsonValueKind.String || !Clouds.Contains(cloud.GetString())))
        {
            errors.Add($"$.cloud: value must be one of {string.Join(", ", Clouds)}");
        }
        StringArray(body, "ports", "$", errors);
        StringArray(body, "dataCenterIds", "$", errors);
        if (body.TryGetProperty("env", out var env))
        {
            if (env.ValueKind != JsonValueKind.Object) errors.Add("$.env: expected an object of strings");
            else foreach (var entry in env.EnumerateObject()) if (entry.Value.ValueKind != JsonValueKind.String) errors.Add($"$.env.{entry.Name}: expected string");
        }
        var hasGpu = body.TryGetProperty("gpu", out var gpu);
        var hasCpu = body.TryGetProperty("cpu", out _);
        if (hasGpu == hasCpu) errors.Add("$: exactly one of gpu or cpu must be set");
        if (hasGpu)
        {
            if (gpu.ValueKind != JsonValueKind.Object) errors.Add("$.gpu: expected an object");
            else
            {
                Only(gpu, "$.gpu", errors, "id", "count", "allowedCudaVersions", "minCudaVersion");
                Required(gpu, "$.gpu", errors, "id");
                String(gpu, "id", "$.gpu", errors);
                Integer(gpu, "count", "$.gpu", errors, minimum: 1);
                StringArray(gpu, "allowedCudaVersions", "$.gpu", errors);
                String(gpu, "minCudaVersion", "$.gpu", errors);
            }
        }
        if (body.TryGetProperty("mounts", out var mounts))
        {
            if (mounts.ValueKind != JsonValueKind.Object) errors.Add("$.mounts: expected an object");
            else
            {
                Only(mounts, "$.mounts", errors, "persistent", "network");
                if (mounts.TryGetProperty("persistent", out var persistent))
                {
                    if (persistent.ValueKind != JsonValueKind.Object) errors.Add("$.mounts.persistent: expected an object");
                    else
                    {
                        Only(persistent, "$.mounts.persistent", errors, "size", "path");
                        Required(persistent, "$.mounts.persistent", errors, "size", "path");
                        Integer(persistent, "size", "$.mounts.persistent", errors, minimum: 10);
                        String(persistent, "path", "$.mounts.persistent", errors);
                    }
                }
                if (mounts.TryGetProperty("network", out var network) && (network.ValueKind != JsonValueKind.Array || network.GetArrayLength() > 1))
                {
                    errors.Add("$.mounts.network: expected an array of at most 1 item");
                }
            }
        }
        return errors;
    }

    public static List<string> CheckAction(JsonElement body)
    {
        var errors = new List<string>();
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add("$: expected an object");
            return errors;
        }
        Only(body, "$", errors, "action");
        Required(body, "$", errors, "action");
        if (body.TryGetProperty("action", out var action) && (action.ValueKind != JsonValueKind.String || !Actions.Contains(action.GetString())))
        {
            errors.Add($"$.action: value must be one of {string.Join(", ", Actions)}");
        }
        return errors;
    }

    /// <summary>A lock change: exactly {"locked": true|false}, as RunPod takes it (a rename is another PATCH, not modelled here).</summary>
    public static List<string> CheckLock(JsonElement body)
    {
        var errors = new List<string>();
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add("$: expected an object");
            return errors;
        }
        Only(body, "$", errors, "locked");
        Required(body, "$", errors, "locked");
        if (body.TryGetProperty("locked", out var locked) && locked.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            errors.Add("$.locked: expected a boolean");
        }
        return errors;
    }

    /// <summary>The problems with a query string: a parameter the endpoint does not take, or a value of the wrong form.</summary>
    public static List<string> CheckQuery(IQueryCollection query, IReadOnlyDictionary<string, Func<string, bool>> allowed)
    {
        var errors = new List<string>();
        foreach (var (key, values) in query)
        {
            if (!allowed.TryGetValue(key, out var valid)) errors.Add($"query: parameter '{key}' is not allowed");
            else if (values.Count != 1 || !valid(values[0] ?? "")) errors.Add($"query: '{key}' has an invalid value");
        }
        return errors;
    }

    public static bool IsInteger(string text, int minimum, int maximum = int.MaxValue) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= minimum && n <= maximum;

    private static void Only(JsonElement obj, string path, List<string> errors, params string[] names)
    {
        foreach (var property in obj.EnumerateObject())
        {
            if (!names.Contains(property.Name)) errors.Add($"{path}: additional properties '{property.Name}' not allowed");
        }
    }

    private static void Required(JsonElement obj, string path, List<string> errors, params string[] names)
    {
        foreach (var name in names)
        {
            if (!obj.TryGetProperty(name, out _)) errors.Add($"{path}: missing property '{name}'");
        }
    }

    private static void String(JsonElement obj, string name, string path, List<string> errors, int minLength = 0)
    {
        if (!obj.TryGetProperty(name, out var value)) return;
        if (value.ValueKind != JsonValueKind.String) errors.Add($"{path}.{name}: expected string");
        else if (value.GetString()!.Length < minLength) errors.Add($"{path}.{name}: length must be >= {minLength}");
    }

    private static void Integer(JsonElement obj, string name, string path, List<string> errors, int minimum)
    {
        if (!obj.TryGetProperty(name, out var value)) return;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var n)) errors.Add($"{path}.{name}: expected integer");
        else if (n < minimum) errors.Add($"{path}.{name}: must be >= {minimum}");
    }

    private static void Boolean(JsonElement obj, string name, string path, List<string> errors)
    {
        if (obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.True && value.ValueKind != JsonValueKind.False)
        {
            errors.Add($"{path}.{name}: expected boolean");
        }
    }

    private static void StringArray(JsonElement obj, string name, string path, List<string> errors)
    {
        if (!obj.TryGetProperty(name, out var value)) return;
        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            errors.Add($"{path}.{name}: expected an array of strings");
        }
    }
}
