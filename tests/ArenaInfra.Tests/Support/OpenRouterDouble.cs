using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ArenaInfra.Tests.Support;

/// <summary>
/// OpenRouter's key-provisioning API (/api/v1/keys) on 127.0.0.1, written from its published
/// description and strict about it: the provisioning key as a Bearer token or 401, the list paged
/// by offset (include_disabled honoured; any other query refused), a create takes only the fields
/// the description names (name required) and answers 201 with the key string once, get and delete
/// by hash (404 when there is none), and 429s with Retry-After on demand. It records every request
/// and every limit asked, so tests can assert on what the module sent.
/// </summary>
public sealed class OpenRouterDouble : LoopbackJsonDouble
{
    public const string ProvisioningKey = "sk-or-prov-double-7d3e1a";

    private static readonly HashSet<string> CreateFields = new() { "name", "limit", "limit_reset", "include_byok_in_limit", "expires_at" };
    private readonly List<Key> _keys = new();

    public OpenRouterDouble() : base(ProvisioningKey)
    {
        Url = $"http://127.0.0.1:{Port}/api/v1";
    }

    /// <summary>The API base, as OPENROUTER_API_URL takes it.</summary>
    public string Url { get; }

    /// <summary>A broken service: a delete says it deleted the key and keeps it.</summary>
    public bool DeletesIgnored { get; set; }

    /// <summary>How many keys a page of the list holds (OpenRouter's is 100).</summary>
    public int PageSize { get; set; } = 100;

    /// <summary>A key made behind the module's back (another tool, or a hostile name); its hash.</summary>
    public string Seed(string name, decimal? limit = 5m, decimal usage = 0m, bool disabled = false)
    {
        lock (Gate) return Add(name, limit, disabled, usage).Hash;
    }

    public IReadOnlyList<(string Name, string Hash, decimal? Limit, string Secret)> Keys()
    {
        lock (Gate) return _keys.Select(k => (k.Name, k.Hash, k.Limit, k.Secret)).ToList();
    }

    public void Clear()
    {
        lock (Gate)
        {
            _keys.Clear();
            ClearRequests();
        }
    }

    private Key Add(string name, decimal? limit, bool disabled, decimal usage = 0m)
    {
        var secret = "sk-or-v1-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
        var key = new Key(name, Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret))).ToLowerInvariant(), secret, limit, usage, disabled, DateTimeOffset.UtcNow);
        _keys.Add(key);
        return key;
    }

    protected override (int Status, string Body) Unauthorised(string? authorization) => Error(401, "Invalid or missing provisioning key");

    protected override string Throttled() => Error(429, "Rate limit exceeded").Item2;

    protected override (int Status, string Body) Route(string method, string path, string query, string body)
    {
        const string root = "/api/v1/keys";
        if (path == root || path == root + "/")
        {
            return method switch
            {
                "GET" => List(query),
                "POST" => Create(query, body),
                _ => Error(405, "Method not allowed"),
            };
        }
        if (!path.StartsWith(root + "/", StringComparison.Ordinal)) return Error(404, "Not found");
        var hash = Uri.UnescapeDataString(path[(root.Length + 1)..]);
        if (query.Length > 0) return Error(400, "Unexpected query parameters");
        var key = _keys.FirstOrDefault(k => k.Hash == hash);
        if (key == null) return Error(404, "API key not found");
        switch (method)
        {
            case "GET":
                return (200, new JsonObject { ["data"] = Data(key) }.ToJsonString());
            case "DELETE":
                if (!DeletesIgnored) _keys.Remove(key);
                return (200, new JsonObject { ["deleted"] = true }.ToJsonString());
            default:
                return Error(405, "Method not allowed");
        }
    }

    private (int, string) List(string query)
    {
        var offset = 0;
        var includeDisabled = false;
        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            var value = parts.Length == 2 ? Uri.UnescapeDataString(parts[1]) : "";
            switch (parts[0])
            {
                case "offset" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var o):
                    offset = o;
                    break;
                case "include_disabled" when value is "true" or "false":
                    includeDisabled = value == "true";
                    break;
                default:
                    return Error(400, $"Invalid query parameter: {parts[0]}");
            }
        }
        var page = _keys.Where(k => includeDisabled || !k.Disabled).Skip(offset).Take(PageSize).Select(k => (JsonNode)Data(k)).ToArray();
        return (200, new JsonObject { ["data"] = new JsonArray(page) }.ToJsonString());
    }

    private (int, string) Create(string query, string body)
    {
        if (query.Length > 0) return Error(400, "Unexpected query parameters");
        JsonObject request;
        try
        {
            request = JsonNode.Parse(body) as JsonObject ?? throw new JsonException("not an object");
        }
        catch (JsonException)
        {
            return Error(400, "Request body must be a JSON object");
        }
        var unknown = request.Select(p => p.Key).FirstOrDefault(k => !CreateFields.Contains(k));
        if (unknown != null) return Error(400, $"Unrecognized key in body: {unknown}");
        if (request["name"] is not JsonValue nameValue || !nameValue.TryGetValue<string>(out var name) || name.Length == 0) return Error(400, "name is required");
        decimal? limit = null;
        if (request["limit"] is JsonValue limitValue)
        {
            if (!limitValue.TryGetValue<decimal>(out var l) || l < 0) return Error(400, "limit must be a non-negative number");
            limit = l;
        }
        else if (request.ContainsKey("limit") && request["limit"] != null)
        {
            return Error(400, "limit must be a number");
        }
        var key = Add(name, limit, disabled: false);
        return (201, new JsonObject { ["data"] = Data(key), ["key"] = key.Secret }.ToJsonString());
    }

    private static JsonObject Data(Key key) => new()
    {
        ["hash"] = key.Hash,
        ["name"] = key.Name,
        ["label"] = key.Secret[..12] + "..." + key.Secret[^4..],
        ["disabled"] = key.Disabled,
        ["limit"] = key.Limit,
        ["limit_remaining"] = key.Limit == null ? null : key.Limit - key.Usage,
        ["limit_reset"] = null,
        ["include_byok_in_limit"] = false,
        ["usage"] = key.Usage,
        ["usage_daily"] = key.Usage,
        ["usage_weekly"] = key.Usage,
        ["usage_monthly"] = key.Usage,
        ["byok_usage"] = 0,
        ["created_at"] = key.Created.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        ["updated_at"] = null,
    };

    private static (int, string) Error(int code, string message) =>
        (code, new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } }.ToJsonString());

    private sealed record Key(string Name, string Hash, string Secret, decimal? Limit, decimal Usage, bool Disabled, DateTimeOffset Created);

}
