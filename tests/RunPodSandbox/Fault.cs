namespace RunPodSandbox;

/// <summary>
/// A misbehaviour the tests switch on for the next requests (POST /_sandbox/faults), e.g.
/// {"kind":"status","status":429,"retryAfter":"1","count":2} or {"kind":"capacity","count":3}.
/// </summary>
public sealed class Fault
{
    /// <summary>status | slow | blocked1010 | malformedJson | unauthorized200 | myselfNull | capacity | balance | commitThen502 | noFreeGpus | rateLimitWindow | slowLogs | stallBody | endlessBody | slowCommit | noStock | errorBody200 | redirect | stuckCursor | badPagination | endlessPages</summary>
    public string Kind { get; set; } = "";
    public int Count { get; set; } = 1;
    /// <summary>For 'status': the HTTP status to answer.</summary>
    public int Status { get; set; } = 503;
    /// <summary>For 'status': the Retry-After header to send, if any.</summary>
    public string? RetryAfter { get; set; }
    /// <summary>For 'slow': how long to wait before answering normally.</summary>
    public int DelayMs { get; set; } = 5000;

    /// <summary>
    /// For 'status' on REST v2: the problem's detail (a 400 that says "no capacity", say). For 'errorBody200':
    /// the error text; for 'redirect': the Location; for 'badPagination': which form (missing, noCursor, notBool).
    /// </summary>
    public string? Detail { get; set; }
    /// <summary>For 'status': a RateLimit header to send with the answer.</summary>
    public string? RateLimit { get; set; }
    /// <summary>For 'rateLimitWindow': the answer is normal, but its RateLimit header says the minute's requests are used up for this many seconds.</summary>
    public int ResetSec { get; set; } = 2;

    public int Remaining { get; set; }

    /// <summary>Only requests for this GPU type id get the fault (a create asking for it, or its catalog entry).</summary>
    public string? Gpu { get; set; }

    /// <summary>When above 0, the fault lasts this long from when it is added, whatever the count: capacity that frees up later.</summary>
    public int ForMs { get; set; }

    public DateTime? Until { get; set; }

    /// <summary>
    /// Only requests that name this GraphQL field get the fault (e.g. "podStop"); REST v2 requests
    /// match by the same field names and by their operation ("rest:StopPod"). Null for any request.
    /// </summary>
    public string? Operation { get; set; }

    /// <summary>The field a fault applies to: the one given, or the one its kind only makes sense for.</summary>
    public string? AppliesTo => Operation ?? Kind switch
    {
        "capacity" or "balance" or "commitThen502" => "podFindAndDeployOnDemand",
        "noFreeGpus" => "podResume",
        "slowLogs" => "podLogs",
        "slowCommit" => "podFindAndDeployOnDemand",
        // The catalog shows the GPU type out of stock (availability NONE).
        "noStock" => "gpuTypes",
        // The pod list's paging faults.
        "stuckCursor" or "badPagination" or "endlessPages" => "rest:ListPods",
        _ => null,
    };

    public static readonly string[] Kinds =
        { "status", "slow", "blocked1010", "malformedJson", "unauthorized200", "myselfNull", "capacity", "balance", "commitThen502", "noFreeGpus", "rateLimitWindow", "slowLogs", "stallBody", "endlessBody", "slowCommit", "noStock",
          "errorBody200", "redirect", "stuckCursor", "badPagination", "endlessPages" };
}
