using System.Globalization;
using System.Text.Json;

namespace RunPodSandbox;

// What RunPod bills: a billing record for every pod the sandbox ran (terminated ones too) and the
// account's balance as GraphQL's myself has it. Every pod is billed its first hour (its cost per hour,
// at the hour it was made); a test adds records of its own (POST /_sandbox/billing) and sets the balance
// (POST /_sandbox/money). A record with a networkVolumeId instead of a podId is that volume's storage:
// in GET /v2/billing (the account's whole bill), never in GET /v2/billing/pods.

public sealed record SandboxBillingRecord(string? PodId, DateTimeOffset Time, double Amount, string? NetworkVolumeId = null);

public sealed class SandboxMoney
{
    public double ClientBalance { get; set; } = 100.0;
    /// <summary>Null: the running pods' cost per hour, as RunPod computes it.</summary>
    public double? CurrentSpendPerHr { get; set; }
    public double SpendLimit { get; set; } = 80.0;
    public bool UnderBalance { get; set; }
}

public sealed partial class SandboxState
{
    private readonly List<SandboxBillingRecord> _billing = new();
    /// <summary>What terminated pods were billed: RunPod keeps billing records of pods it no longer lists.</summary>
    private readonly List<SandboxBillingRecord> _terminatedBilling = new();
    private SandboxMoney _money = new();

    public SandboxMoney Money()
    {
        lock (_gate) return _money;
    }

    public double CurrentSpendPerHr()
    {
        lock (_gate) return _money.CurrentSpendPerHr ?? _pods.Values.Where(p => p.DesiredStatus == "RUNNING").Sum(p => p.CostPerHr);
    }

    public void SetMoney(SandboxMoney money)
    {
        lock (_gate) _money = money;
    }

    public void AddBilling(IEnumerable<SandboxBillingRecord> records)
    {
        lock (_gate) _billing.AddRange(records);
    }

    /// <summary>Back to the account as started: no added records, the first balance.</summary>
    public void ResetBilling()
    {
        lock (_gate)
        {
            _billing.Clear();
            _terminatedBilling.Clear();
            _money = new SandboxMoney();
        }
    }

    /// <summary>Every charge: each pod's first hour (terminated pods too) and the records a test added.</summary>
    public IReadOnlyList<SandboxBillingRecord> BillingRecords()
    {
        lock (_gate)
        {
            return _pods.Values.Select(FirstHour).Concat(_terminatedBilling).Concat(_billing).ToList();
        }
    }

    private static SandboxBillingRecord FirstHour(SandboxPod pod) => new(pod.Id, pod.CreatedAt, pod.CostPerHr);

    /// <summary>Called under the lock as a pod is terminated and forgotten: its bill stays.</summary>
    private void KeepBilled(SandboxPod pod) => _terminatedBilling.Add(FirstHour(pod));
}

public static class SandboxBillingEndpoints
{
    public static void Map(WebApplication app, SandboxState state, JsonSerializerOptions json)
    {
        app.MapGet("/_sandbox/billing", () => Results.Json(state.BillingRecords(), json));
        app.MapPost("/_sandbox/billing", async (HttpRequest request) =>
        {
            var records = await JsonSerializer.DeserializeAsync<List<SandboxBillingRecord>>(request.Body, json);
            if (records == null) return Results.BadRequest("a list of records is expected");
            if (records.Any(r => (r.PodId == null) == (r.NetworkVolumeId == null))) return Results.BadRequest("each record bills a pod (podId) or a network volume (networkVolumeId)");
            state.AddBilling(records);
            return Results.NoContent();
        });
        app.MapDelete("/_sandbox/billing", () => { state.ResetBilling(); return Results.NoContent(); });
        app.MapPost("/_sandbox/money", async (HttpRequest request) =>
        {
            var money = await JsonSerializer.DeserializeAsync<SandboxMoney>(request.Body, json);
            if (money == null) return Results.BadRequest("an account object is expected");
            state.SetMoney(money);
            return Results.NoContent();
        });
    }
}

public sealed partial class RestEndpoint
{
    private static readonly string[] BucketSizes = { "hour", "day", "week", "month", "year" };

    /// <summary>GET /v2/billing/pods as the published document has it: one record per pod per bucket, and the totals.</summary>
    private async Task PodBilling(HttpContext context, Request request)
    {
        var window = await BillingWindow(context, request, withPodId: true);
        if (window == null) return;
        var (start, end, bucket) = window.Value;
        var podId = context.Request.Query.TryGetValue("podId", out var p) ? p.ToString() : null;
        var records = _state.BillingRecords()
            .Where(r => r.PodId != null && r.Time >= start && r.Time < end && (podId == null || r.PodId == podId))
            .GroupBy(r => (PodId: r.PodId!, Bucket: Floor(r.Time, bucket)))
            .OrderBy(g => g.Key.Bucket).ThenBy(g => g.Key.PodId, StringComparer.Ordinal)
            .Select(g => new Dictionary<string, object?>
            {
                ["startTime"] = Format(g.Key.Bucket),
                ["endTime"] = Format(Next(g.Key.Bucket, bucket)),
                ["podId"] = g.Key.PodId,
                ["totalAmount"] = g.Sum(r => r.Amount),
                ["gpuAmount"] = g.Sum(r => r.Amount),
                ["cpuAmount"] = 0.0,
                ["diskAmount"] = 0.0,
            }).ToList();
        var total = records.Sum(r => (double)r["totalAmount"]!);
        var metadata = new Dictionary<string, object?>
        {
            ["query"] = new Dictionary<string, object?> { ["startTime"] = Format(start), ["endTime"] = Format(end), ["bucketSize"] = bucket, ["podId"] = podId },
            ["recordCount"] = records.Count,
            ["uniquePodCount"] = records.Select(r => r["podId"]).Distinct().Count(),
            ["totals"] = new Dictionary<string, object?> { ["totalAmount"] = total, ["gpuAmount"] = total, ["cpuAmount"] = 0.0, ["diskAmount"] = 0.0 },
        };
        await Ok(context, 200, new Dictionary<string, object?> { ["records"] = records, ["metadata"] = metadata }, request.Entry);
    }

    /// <summary>The amounts of BillingAmounts, in the document's order: every one is required.</summary>
    private static readonly string[] AccountAmounts =
    {
        "totalAmount", "podGpuAmount", "podCpuAmount", "podDiskAmount", "serverlessGpuAmount", "serverlessCpuAmount", "serverlessDiskAmount",
        "serverlessFeeAmount", "storageStandardAmount", "storageHighPerformanceAmount", "endpointAmount", "clusterGpuAmount", "clusterDiskAmount", "clusterNetworkingAmount",
    };

    /// <summary>
    /// GET /v2/billing as the published document has it: one record per bucket with every billable resource's part
    /// (here pods and network volumes; a volume's part standard or high-performance by its type), and the totals.
    /// </summary>
    private async Task Billing(HttpContext context, Request request)
    {
        var window = await BillingWindow(context, request, withPodId: false);
        if (window == null) return;
        var (start, end, bucket) = window.Value;
        var fast = SandboxNetworkVolumes.Of(_state).All().Where(v => v.Type != "STANDARD").Select(v => v.Id).ToHashSet(StringComparer.Ordinal);
        var records = _state.BillingRecords()
            .Where(r => r.Time >= start && r.Time < end)
            .GroupBy(r => Floor(r.Time, bucket))
            .OrderBy(g => g.Key)
            .Select(g =>
            {
                var amounts = AccountAmounts.ToDictionary(a => a, _ => 0.0);
                amounts["podGpuAmount"] = g.Where(r => r.PodId != null).Sum(r => r.Amount);
                amounts["storageStandardAmount"] = g.Where(r => r.NetworkVolumeId != null && !fast.Contains(r.NetworkVolumeId)).Sum(r => r.Amount);
                amounts["storageHighPerformanceAmount"] = g.Where(r => r.NetworkVolumeId != null && fast.Contains(r.NetworkVolumeId)).Sum(r => r.Amount);
                amounts["totalAmount"] = g.Sum(r => r.Amount);
                var record = new Dictionary<string, object?> { ["startTime"] = Format(g.Key), ["endTime"] = Format(Next(g.Key, bucket)) };
                foreach (var a in AccountAmounts) record[a] = amounts[a];
                return record;
            }).ToList();
        var totals = AccountAmounts.ToDictionary(a => a, a => (object?)records.Sum(r => (double)r[a]!));
        var metadata = new Dictionary<string, object?>
        {
            ["query"] = new Dictionary<string, object?> { ["startTime"] = Format(start), ["endTime"] = Format(end), ["bucketSize"] = bucket },
            ["recordCount"] = records.Count,
            ["totals"] = totals,
        };
        await Ok(context, 200, new Dictionary<string, object?> { ["records"] = records, ["metadata"] = metadata }, request.Entry);
    }

    /// <summary>The billing routes' query, as the document has it: startTime/endTime snapped to buckets, or lastN; a bad one answered here (null).</summary>
    private async Task<(DateTimeOffset Start, DateTimeOffset End, string Bucket)?> BillingWindow(HttpContext context, Request request, bool withPodId)
    {
        var allowed = new Dictionary<string, Func<string, bool>>
        {
            ["startTime"] = v => IsTime(v),
            ["endTime"] = v => IsTime(v),
            ["bucketSize"] = v => BucketSizes.Contains(v),
            ["lastN"] = v => V2Schema.IsInteger(v, 1),
        };
        if (withPodId) allowed["podId"] = v => v.Length > 0;
        if (await BadQuery(context, request, allowed)) return null;
        var query = context.Request.Query;
        if (query.ContainsKey("lastN") && (query.ContainsKey("startTime") || query.ContainsKey("endTime")))
        {
            await Problem(context, 400, "lastN is mutually exclusive with startTime/endTime", request.Entry);
            return null;
        }
        var bucket = query.TryGetValue("bucketSize", out var b) ? b.ToString() : "day";
        var now = DateTimeOffset.UtcNow;
        DateTimeOffset start, end;
        if (query.TryGetValue("lastN", out var n))
        {
            end = Next(Floor(now, bucket), bucket);
            start = end;
            for (var i = 0; i < int.Parse(n!, CultureInfo.InvariantCulture); i++) start = Previous(start, bucket);
        }
        else
        {
            start = Floor(query.TryGetValue("startTime", out var s) ? Parse(s!) : now.AddDays(-30), bucket);
            var until = query.TryGetValue("endTime", out var e) ? Parse(e!) : now;
            end = Floor(until, bucket) == until ? until : Next(Floor(until, bucket), bucket);
        }
        return (start, end, bucket);
    }

    private static bool IsTime(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _) && text.Contains('T');

    private static DateTimeOffset Parse(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUniversalTime();

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static DateTimeOffset Floor(DateTimeOffset time, string bucket)
    {
        var t = time.ToUniversalTime();
        return bucket switch
        {
            "hour" => new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, 0, 0, TimeSpan.Zero),
            "week" => new DateTimeOffset(t.Year, t.Month, t.Day, 0, 0, 0, TimeSpan.Zero).AddDays(-(((int)t.DayOfWeek + 6) % 7)),
            "month" => new DateTimeOffset(t.Year, t.Month, 1, 0, 0, 0, TimeSpan.Zero),
            "year" => new DateTimeOffset(t.Year, 1, 1, 0, 0, 0, TimeSpan.Zero),
            _ => new DateTimeOffset(t.Year, t.Month, t.Day, 0, 0, 0, TimeSpan.Zero),
        };
    }

    private static DateTimeOffset Next(DateTimeOffset start, string bucket) => bucket switch
    {
        "hour" => start.AddHours(1),
        "week" => start.AddDays(7),
        "month" => start.AddMonths(1),
        "year" => start.AddYears(1),
        _ => start.AddDays(1),
    };

    private static DateTimeOffset Previous(DateTimeOffset start, string bucket) => bucket switch
    {
        "hour" => start.AddHours(-1),
        "week" => start.AddDays(-7),
        "month" => start.AddMonths(-1),
        "year" => start.AddYears(-1),
        _ => start.AddDays(-1),
    };
}
