using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ArenaInfra.Tests.Support;

/// <summary>
/// Vast.ai's API on 127.0.0.1, written from Vast's published API documentation and its CLI
/// (vast-ai/vast-cli), and strict about them: the key as a Bearer token or 401; the offer search
/// (PUT /api/v0/search/asks/) takes its filters only inside "q" (a flat body is refused 400, as Vast
/// refuses it) with known fields and operators; a rent (PUT /api/v0/asks/{id}/) takes only the
/// documented fields and answers 410 no_such_ask for an offer already taken; the instance list is
/// /api/v1/instances/ paged by next_token; one instance, its state, its destruction and its SSH keys
/// under /api/v0/instances/{id}/. 429 with Retry-After and an offer taken between search and rent
/// come on demand; instances may be seeded as raw JSON (hostile values included). It records every
/// request, and stops on its own after a few minutes whatever the test does.
/// </summary>
public sealed class VastDouble : LoopbackJsonDouble
{
    public const string ApiKey = "vast-double-key-5b81c0e9d2";

    private static readonly HashSet<string> SearchTop = new() { "select_cols", "q" };
    private static readonly HashSet<string> SearchControls = new() { "order", "type", "limit", "allocated_storage", "disable_bundling" };
    private static readonly HashSet<string> SearchFilters = new()
    {
        "verified", "external", "rentable", "rented", "gpu_name", "num_gpus", "disk_space", "dph_total", "reliability2", "cuda_max_good",
        "gpu_ram", "inet_down", "inet_up", "direct_port_count", "geolocation", "static_ip", "machine_id", "compute_cap", "cpu_arch",
    };
    private static readonly HashSet<string> Operators = new() { "eq", "neq", "gt", "gte", "lt", "lte", "in", "notin" };
    private static readonly HashSet<string> RentFields = new()
    {
        "client_id", "image", "disk", "label", "runtype", "env", "target_state", "cancel_unavail", "price", "onstart", "image_login",
        "template_id", "template_hash_id", "args", "vm", "use_ssh", "python_utf8", "lang_utf8", "use_jupyter_lab", "jupyter_dir", "force", "user",
    };
    private static readonly HashSet<string> ListParameters = new() { "select_filters", "order_by", "limit", "after_token" };

    private readonly List<Offer> _offers = new();
    private readonly SortedDictionary<long, JsonObject> _instances = new();
    private readonly Dictionary<long, List<string>> _keys = new();
    private readonly HashSet<long> _takenAtRent = new();
    private long _nextInstance = 7_000_001;
    private int _destroyLingers;
    private int _stateLags;
    private readonly Dictionary<long, (int Reads, string Actual)> _lagging = new();

    public VastDouble() : base(ApiKey)
    {
        Url = $"http://127.0.0.1:{Port}";
    }

    /// <summary>The server, as VAST_API_URL takes it.</summary>
    public string Url { get; }

    /// <summary>How many instances a page of the list holds at most (Vast's CLI asks for 25).</summary>
    public int PageSize { get; set; } = 25;

    /// <summary>A broken gateway: every rent answers this status (and rents nothing).</summary>
    public int? RentFailsWith { get; set; }

    /// <summary>An offer on the market; direct: its instances get a public port for 22/tcp, else only Vast's SSH proxy.</summary>
    public void SeedOffer(long id, string gpuName, int gpus, double disk, double price, bool direct = true, string publicIp = "203.0.113.7", int sshPort = 41022)
    {
        lock (Gate) _offers.Add(new Offer(id, gpuName, gpus, disk, price, direct, publicIp, sshPort));
    }

    /// <summary>The offer shows in searches but someone else rents it first: a rent answers 410 no_such_ask.</summary>
    public void TakeAtRent(long offerId)
    {
        lock (Gate) _takenAtRent.Add(offerId);
    }

    /// <summary>An instance as Vast would list it, fields as given (hostile ones too); its id.</summary>
    public long SeedInstance(JsonObject fields)
    {
        lock (Gate)
        {
            var id = fields["id"] is JsonValue v && v.TryGetValue<long>(out var given) ? given : _nextInstance++;
            fields["id"] ??= id;
            _instances[id] = fields;
            return id;
        }
    }

    /// <summary>A destroyed instance still shows for this many reads (Vast takes a moment to let it go).</summary>
    public void DestroyLingers(int reads)
    {
        lock (Gate) _destroyLingers = reads;
    }

    /// <summary>
    /// After the next stop or start, the instance's actual_status keeps its old value for this many reads while
    /// intended_status already shows the new one (a machine takes a while to stop, or waits for its GPUs).
    /// </summary>
    public void StateLags(int reads)
    {
        lock (Gate) _stateLags = reads;
    }

    public JsonObject? Instance(long id)
    {
        lock (Gate) return _instances.TryGetValue(id, out var i) ? (JsonObject)i.DeepClone() : null;
    }

    public IReadOnlyList<string> KeysOf(long id)
    {
        lock (Gate) return _keys.TryGetValue(id, out var k) ? k.ToList() : new List<string>();
    }

    public void Clear()
    {
        lock (Gate)
        {
            _offers.Clear();
            _instances.Clear();
            _keys.Clear();
            _takenAtRent.Clear();
            ClearRequests();
            _destroyLingers = 0;
            RentFailsWith = null;
        }
    }

    protected override (int Status, string Body) Unauthorised(string? authorization) => Error(401, "auth_error", "Invalid API key: " + authorization);

    protected override string Throttled() => new JsonObject { ["detail"] = "Too Many Requests" }.ToJsonString();

    protected override (int Status, string Body) Route(string method, string path, string query, string body)
    {
        if (path == "/api/v0/search/asks/") return method == "PUT" ? Search(query, body) : Error(405, "method_not_allowed", "Method not allowed");
        if (path == "/api/v1/instances/") return method == "GET" ? List(query) : Error(405, "method_not_allowed", "Method not allowed");
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        // api v0 asks {id}
        if (parts.Length == 4 && parts[0] == "api" && parts[1] == "v0" && parts[2] == "asks" && path.EndsWith('/') && long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var ask))
        {
            return method == "PUT" ? Rent(ask, query, body) : Error(405, "method_not_allowed", "Method not allowed");
        }
        if (parts.Length >= 4 && parts[0] == "api" && parts[1] == "v0" && parts[2] == "instances" && path.EndsWith('/') && long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            if (parts.Length == 5 && parts[4] == "ssh") return method == "POST" ? AttachKey(id, query, body) : Error(405, "method_not_allowed", "Method not allowed");
            if (parts.Length != 4) return Error(404, "not_found", "Not found");
            return method switch
            {
                "GET" => Show(id, query),
                "PUT" => SetState(id, query, body),
                "DELETE" => Destroy(id, query, body),
                _ => Error(405, "method_not_allowed", "Method not allowed"),
            };
        }
        return Error(404, "not_found", "Not found");
    }

    private (int, string) Search(string query, string body)
    {
        if (query.Length > 0) return Error(400, "invalid_request", "Unexpected query parameters");
        if (Parse(body) is not JsonObject request) return Error(400, "invalid_request", "Request body must be a JSON object");
        var unknown = request.Select(p => p.Key).FirstOrDefault(k => !SearchTop.Contains(k));
        if (unknown != null) return Error(400, "invalid_request", $"Unrecognized key in body: {unknown} (filters go inside \"q\")");
        if (request["q"] is not JsonObject q) return Error(400, "invalid_request", "q is required and must be an object");
        IEnumerable<Offer> offers = _offers;
        foreach (var (field, value) in q)
        {
            if (SearchControls.Contains(field)) continue;
            if (!SearchFilters.Contains(field)) return Error(400, "invalid_request", $"Unknown filter: {field}");
            if (value is not JsonObject filter || filter.Count == 0) return Error(400, "invalid_request", $"Filter {field} must be an object of operators");
            foreach (var (op, operand) in filter)
            {
                if (!Operators.Contains(op)) return Error(400, "invalid_request", $"Unknown operator {op} for {field}");
                offers = offers.Where(o => Holds(o, field, op, operand)).ToList();
            }
        }
        if (q["type"] is JsonNode type && type.GetValueKind() != JsonValueKind.String) return Error(400, "invalid_request", "type must be text");
        var limit = q["limit"] is JsonValue l && l.GetValueKind() == JsonValueKind.Number ? (int)Num(l) : 64;
        if (q["order"] is JsonArray order && order.Count > 0 && order[0] is JsonArray first && first.Count == 2 && first[0]?.GetValue<string>() == "dph_total")
        {
            offers = first[1]?.GetValue<string>() == "desc" ? offers.OrderByDescending(o => o.Price) : offers.OrderBy(o => o.Price);
        }
        var found = offers.Take(Math.Min(64, limit)).Select(o => (JsonNode)new JsonObject
        {
            ["id"] = o.Id,
            ["ask_contract_id"] = o.Id,
            ["gpu_name"] = o.GpuName,
            ["num_gpus"] = o.Gpus,
            ["disk_space"] = o.Disk,
            ["dph_total"] = o.Price,
            ["rentable"] = true,
            ["rented"] = false,
            ["verified"] = true,
            ["public_ipaddr"] = o.PublicIp,
            ["geolocation"] = "Sweden, SE",
        }).ToArray();
        return (200, new JsonObject { ["success"] = true, ["offers"] = new JsonArray(found) }.ToJsonString());
    }

    private static bool Holds(Offer offer, string field, string op, JsonNode? operand)
    {
        JsonNode? actual = field switch
        {
            "gpu_name" => offer.GpuName,
            "num_gpus" => offer.Gpus,
            "disk_space" => offer.Disk,
            "dph_total" => offer.Price,
            "rentable" => true,
            "rented" => false,
            "verified" => true,
            "external" => false,
            _ => null,
        };
        if (actual == null) return true;
        if (actual.GetValueKind() == JsonValueKind.String || operand?.GetValueKind() == JsonValueKind.String)
        {
            var equal = string.Equals(actual.ToJsonString(), operand?.ToJsonString(), StringComparison.Ordinal);
            return op == "eq" ? equal : op == "neq" ? !equal : true;
        }
        if (actual.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            var equal = operand?.GetValueKind() == actual.GetValueKind();
            return op == "eq" ? equal : op == "neq" ? !equal : true;
        }
        if (operand == null || operand.GetValueKind() != JsonValueKind.Number) return false;
        var a = Num(actual);
        var b = Num(operand);
        return op switch { "eq" => a == b, "neq" => a != b, "gt" => a > b, "gte" => a >= b, "lt" => a < b, "lte" => a <= b, _ => true };
    }

    private (int, string) Rent(long ask, string query, string body)
    {
        if (query.Length > 0) return Error(400, "invalid_request", "Unexpected query parameters");
        if (Parse(body) is not JsonObject request) return Error(400, "invalid_request", "Request body must be a JSON object");
        var unknown = request.Select(p => p.Key).FirstOrDefault(k => !RentFields.Contains(k));
        if (unknown != null) return Error(400, "invalid_request", $"Unrecognized key in body: {unknown}");
        if (request["image"] is not JsonValue image || image.GetValueKind() != JsonValueKind.String) return Error(400, "invalid_request", "image is required");
        if (request["env"] is JsonNode env && env is not JsonObject) return Error(400, "invalid_request", "env must be an object");
        if (request["disk"] is JsonValue disk && (disk.GetValueKind() != JsonValueKind.Number || Num(disk) < 8)) return Error(400, "invalid_request", "disk must be at least 8");
        if (RentFailsWith is int failure) return Error(failure, "server_error", "Bad gateway");
        var offer = _offers.FirstOrDefault(o => o.Id == ask);
        if (offer == null || _takenAtRent.Contains(ask))
        {
            _offers.RemoveAll(o => o.Id == ask);
            return (410, new JsonObject { ["success"] = false, ["error"] = "no_such_ask", ["msg"] = "Offer no longer available", ["ask_id"] = ask }.ToJsonString());
        }
        _offers.Remove(offer);
        var id = _nextInstance++;
        var instance = new JsonObject
        {
            ["id"] = id,
            ["label"] = request["label"]?.DeepClone(),
            ["actual_status"] = "running",
            ["intended_status"] = "running",
            ["cur_state"] = "running",
            ["image_uuid"] = image.DeepClone(),
            ["image_runtype"] = request["runtype"]?.DeepClone() ?? "ssh",
            ["gpu_name"] = offer.GpuName,
            ["num_gpus"] = offer.Gpus,
            ["dph_total"] = offer.Price,
            ["disk_space"] = request["disk"]?.DeepClone() ?? 10,
            ["machine_id"] = 4242,
            ["geolocation"] = "Sweden, SE",
            ["public_ipaddr"] = offer.PublicIp + "\n",
            ["ssh_host"] = "ssh7.vast.ai",
            ["ssh_port"] = 31000 + (int)(id % 1000),
            ["ports"] = offer.Direct ? new JsonObject { ["22/tcp"] = new JsonArray(new JsonObject { ["HostIp"] = "0.0.0.0", ["HostPort"] = offer.SshPort.ToString(CultureInfo.InvariantCulture) }) } : new JsonObject(),
            ["extra_env"] = new JsonArray((request["env"] as JsonObject ?? new JsonObject()).Select(p => (JsonNode)new JsonArray(p.Key, p.Value?.DeepClone())).ToArray()),
        };
        _instances[id] = instance;
        return (200, new JsonObject { ["success"] = true, ["new_contract"] = id }.ToJsonString());
    }

    private (int, string) List(string query)
    {
        var parameters = new Dictionary<string, string>();
        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            if (!ListParameters.Contains(kv[0]) || parameters.ContainsKey(kv[0])) return Error(400, "invalid_request", $"Invalid query parameter: {kv[0]}");
            parameters[kv[0]] = kv.Length == 2 ? Uri.UnescapeDataString(kv[1].Replace('+', ' ')) : "";
        }
        if (parameters.TryGetValue("select_filters", out var filters) && Parse(filters) is not JsonObject) return Error(400, "invalid_request", "select_filters must be a JSON object");
        if (parameters.TryGetValue("order_by", out var orderBy) && Parse(orderBy) is not JsonArray) return Error(400, "invalid_request", "order_by must be a JSON list");
        var limit = 25;
        if (parameters.TryGetValue("limit", out var limitText) && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > 100)) return Error(400, "invalid_request", "limit must be 1 to 100");
        long after = 0;
        if (parameters.TryGetValue("after_token", out var token) && !(token.StartsWith("t", StringComparison.Ordinal) && long.TryParse(token[1..], NumberStyles.None, CultureInfo.InvariantCulture, out after))) return Error(400, "invalid_request", "after_token is not one this API gave");
        var page = _instances.Where(i => i.Key > after).Take(Math.Min(limit, PageSize)).ToList();
        var more = page.Count > 0 && _instances.Keys.Any(k => k > page[^1].Key);
        return (200, new JsonObject
        {
            ["instances"] = new JsonArray(page.Select(i => i.Value.DeepClone()).ToArray()),
            ["next_token"] = more ? "t" + page[^1].Key.ToString(CultureInfo.InvariantCulture) : null,
            ["total_instances"] = _instances.Count,
        }.ToJsonString());
    }

    private (int, string) Show(long id, string query)
    {
        if (query != "?owner=me") return Error(400, "invalid_request", "owner=me is required");
        if (!_instances.TryGetValue(id, out var instance)) return (200, new JsonObject { ["instances"] = null }.ToJsonString());
        if (instance["intended_status"]?.GetValue<string>() == "destroyed")
        {
            if (_destroyLingers-- <= 0) _instances.Remove(id);
            if (!_instances.ContainsKey(id)) return (200, new JsonObject { ["instances"] = null }.ToJsonString());
        }
        if (_lagging.TryGetValue(id, out var lag))
        {
            if (lag.Reads <= 0)
            {
                instance["actual_status"] = lag.Actual;
                _lagging.Remove(id);
            }
            else _lagging[id] = (lag.Reads - 1, lag.Actual);
        }
        return (200, new JsonObject { ["instances"] = instance.DeepClone() }.ToJsonString());
    }

    private (int, string) SetState(long id, string query, string body)
    {
        if (query.Length > 0) return Error(400, "invalid_request", "Unexpected query parameters");
        if (Parse(body) is not JsonObject request) return Error(400, "invalid_request", "Request body must be a JSON object");
        var unknown = request.Select(p => p.Key).FirstOrDefault(k => k != "state" && k != "label");
        if (unknown != null) return Error(400, "invalid_request", $"Unrecognized key in body: {unknown}");
        if (!_instances.TryGetValue(id, out var instance)) return Error(404, "no_such_instance", "Instance not found");
        if (request["state"] is JsonNode stateNode)
        {
            var state = stateNode.GetValueKind() == JsonValueKind.String ? stateNode.GetValue<string>() : "";
            if (state != "running" && state != "stopped") return Error(400, "invalid_request", "state must be running or stopped");
            instance["intended_status"] = state;
            instance["cur_state"] = state;
            if (_stateLags > 0) _lagging[id] = (_stateLags, state == "running" ? "running" : "exited");
            else instance["actual_status"] = state == "running" ? "running" : "exited";
            _stateLags = 0;
        }
        return (200, new JsonObject { ["success"] = true }.ToJsonString());
    }

    private (int, string) Destroy(long id, string query, string body)
    {
        if (query.Length > 0) return Error(400, "invalid_request", "Unexpected query parameters");
        if (body.Length > 0 && Parse(body) is not JsonObject { Count: 0 }) return Error(400, "invalid_request", "Unexpected body");
        if (!_instances.TryGetValue(id, out var instance)) return Error(404, "no_such_instance", "Instance not found");
        instance["intended_status"] = "destroyed";
        if (_destroyLingers <= 0) _instances.Remove(id);
        return (200, new JsonObject { ["success"] = true }.ToJsonString());
    }

    private (int, string) AttachKey(long id, string query, string body)
    {
        if (query.Length > 0) return Error(400, "invalid_request", "Unexpected query parameters");
        if (Parse(body) is not JsonObject request || request.Count != 1 || request["ssh_key"] is not JsonValue key || key.GetValueKind() != JsonValueKind.String) return Error(400, "invalid_request", "ssh_key is required, alone");
        if (!_instances.ContainsKey(id)) return Error(404, "no_such_instance", "Instance not found");
        if (!_keys.TryGetValue(id, out var keys)) _keys[id] = keys = new List<string>();
        keys.Add(key.GetValue<string>());
        return (200, new JsonObject { ["success"] = true, ["msg"] = "ssh key added to instance" }.ToJsonString());
    }

    private static double Num(JsonNode node) => double.Parse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static JsonNode? Parse(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static (int, string) Error(int code, string error, string message) =>
        (code, new JsonObject { ["success"] = false, ["error"] = error, ["msg"] = message }.ToJsonString());

    private sealed record Offer(long Id, string GpuName, int Gpus, double Disk, double Price, bool Direct, string PublicIp, int SshPort);

}
