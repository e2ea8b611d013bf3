using System.Text;
using System.Text.Json;

namespace RunPodSandbox;

// What RunPod's live API does beyond its 2026-08 document: the pod list pages (limit, cursor, and a
// pagination block, newest first), and the account's registered SSH keys. Also the faults that make
// an answer lie: a 2xx with an error body, a redirect, a cursor that does not advance, a malformed
// pagination block, pages without end.

public sealed partial class SandboxState
{
    private readonly List<string> _accountSshKeys = new();
    private int? _pageSize;

    /// <summary>The most pods a page holds now: set by a test, else --page-size.</summary>
    public int PageSize
    {
        get { lock (_gate) return _pageSize ?? Options.PageSize; }
        set { lock (_gate) _pageSize = Math.Max(1, value); }
    }

    public IReadOnlyList<string> AccountSshKeys()
    {
        lock (_gate) return _accountSshKeys.ToList();
    }

    public void SetAccountSshKeys(IEnumerable<string> keys)
    {
        lock (_gate)
        {
            _accountSshKeys.Clear();
            _accountSshKeys.AddRange(keys);
        }
    }

    /// <summary>Back to the account as started: no registered keys, the page size of the command line.</summary>
    public void ResetAccount()
    {
        lock (_gate)
        {
            _accountSshKeys.Clear();
            _pageSize = null;
        }
    }

    /// <summary>The pods as the list pages them: newest first, so a pod created while a client pages pushes the rest down.</summary>
    public IReadOnlyList<SandboxPod> ListPodsNewestFirst()
    {
        lock (_gate)
        {
            return _pods.Values.Where(p => p.DesiredStatus != "TERMINATED")
                .OrderByDescending(p => p.CreatedAt).ThenBy(p => p.Id, StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>Whether the catalog offers the GPU type on that cloud (a price of 0 is RunPod's "not offered").</summary>
    public static bool OffersOn(string gpuTypeId, string cloud) =>
        GpuTypes.TryGetValue(gpuTypeId, out var gpu) && (cloud == "SECURE" ? gpu.Secure > 0 : gpu.Community > 0);
}

public sealed partial class RestEndpoint
{
    /// <summary>RunPod's largest page, and its default.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>One page of GET /v2/pods: an opaque cursor holding where the next page starts.</summary>
    private async Task ListPodsPageAsync(HttpContext context, Request request)
    {
        var query = context.Request.Query;
        var limit = query.TryGetValue("limit", out var l) ? int.Parse(l[0]!, System.Globalization.CultureInfo.InvariantCulture) : MaxPageSize;
        var pageSize = Math.Min(limit, _state.PageSize);
        var cursor = query.TryGetValue("cursor", out var c) ? c[0] : null;
        var kind = request.Fault?.Kind;
        var offset = 0;
        if (cursor != null && !TryReadCursor(cursor, out offset))
        {
            if (kind != "stuckCursor")
            {
                await Problem(context, 400, "invalid cursor", request.Entry);
                return;
            }
        }
        var all = _state.ListPodsNewestFirst();
        var page = all.Skip(offset).Take(pageSize).Select(PodJson).ToList();
        var hasNext = offset + pageSize < all.Count;
        object? nextCursor = hasNext ? Cursor(offset + pageSize) : null;
        switch (kind)
        {
            case "stuckCursor":
                // The next page is said to start where this one did.
                hasNext = true;
                nextCursor = cursor ?? Cursor(0);
                break;
            case "endlessPages":
                // Always another page, each with a new cursor: only the client's bound ends this.
                hasNext = true;
                nextCursor = Cursor(offset + pageSize);
                break;
            case "badPagination":
                switch (request.Fault!.Detail ?? "noCursor")
                {
                    case "missing":
                        await Ok(context, 200, new { pods = page }, request.Entry);
                        return;
                    case "notBool":
                        await Ok(context, 200, new { pods = page, pagination = new { hasNextPage = "yes", nextCursor } }, request.Entry);
                        return;
                    default:
                        hasNext = true;
                        nextCursor = null;
                        break;
                }
                break;
        }
        await Ok(context, 200, new Dictionary<string, object?>
        {
            ["pods"] = page,
            ["pagination"] = new Dictionary<string, object?> { ["hasNextPage"] = hasNext, ["nextCursor"] = nextCursor },
        }, request.Entry);
    }

    private static string Cursor(int offset) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"pods:{offset}"));

    private static bool TryReadCursor(string cursor, out int offset)
    {
        offset = 0;
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
            return text.StartsWith("pods:", StringComparison.Ordinal) && int.TryParse(text.AsSpan(5), out offset) && offset >= 0;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>GET /v2/account/ssh-keys: the account's registered public keys.</summary>
    private async Task AccountSshKeys(HttpContext context, Request request)
    {
        if (await BadQuery(context, request, new())) return;
        await Ok(context, 200, new { keys = _state.AccountSshKeys() }, request.Entry);
    }

    /// <summary>The faults of this part: a 2xx whose body is an error, and a redirect. Nothing is done either way.</summary>
    internal static async Task<bool> ApplyAnswerFaultAsync(HttpContext context, Fault fault, RequestLogEntry entry)
    {
        switch (fault.Kind)
        {
            case "errorBody200":
                await Text(context, fault.Status is >= 200 and < 300 ? fault.Status : 200, "application/json",
                    JsonSerializer.Serialize(new { error = fault.Detail ?? "Something went wrong. Please try again later or contact support." }), entry);
                return true;
            case "redirect":
                context.Response.Headers.Location = fault.Detail ?? "/v2/pods";
                await Text(context, fault.Status is >= 300 and < 400 ? fault.Status : 302, "text/html", "<html><body>Moved</body></html>", entry);
                return true;
            default:
                return false;
        }
    }
}
