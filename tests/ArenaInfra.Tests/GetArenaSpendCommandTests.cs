using System.Management.Automation;
using System.Net.Http.Json;
using System.Security;
using System.Text.Json;
using System.Text.Json.Nodes;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>Get-ArenaSpend in a hosted runspace against the sandbox's billing records and balance.</summary>
[Collection(RunsAloneCollection.Name)]
[Trait("Category", "Sandbox")]
public sealed class GetArenaSpendCommandTests : IClassFixture<Sandbox>, IDisposable
{
    private readonly Sandbox _sandbox;
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private static readonly DateTime Today = DateTime.UtcNow.Date;
    private readonly string? _dataFolder = Environment.GetEnvironmentVariable("ARENA_INFRA_DATA");

    public GetArenaSpendCommandTests(Sandbox sandbox)
    {
        _sandbox = sandbox;
        _sandbox.Reset();
        // The sandbox's first answers are slow (its code is compiled on first use): paid here, not inside a request's time limit.
        _sandbox.Warm();
        // A data folder of this class's own (it runs alone): the pod names it plants are never another test's.
        Environment.SetEnvironmentVariable("ARENA_INFRA_DATA", Directory.CreateDirectory(Path.Combine(_dir.Path, "data")).FullName);
        var configPath = _dir.Write("config.env", $"RUNPOD_API_BASE_URL={_sandbox.Url}\nMACHINE_NAME_LIST=(apple autumn bloom cedar)\nRUNPOD_API_RETRY_MAX_SEC=2\n");
        _vars = new Dictionary<string, object?> { ["configPath"] = configPath, ["key"] = Secure(Sandbox.ApiKey) };
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("ARENA_INFRA_DATA", _dataFolder);
        _host.Dispose();
        _dir.Dispose();
        _http.Dispose();
    }

    private static SecureString Secure(string text)
    {
        var s = new SecureString();
        foreach (var c in text) s.AppendChar(c);
        return s;
    }

    private string Seed(string name, double cost, string status = "RUNNING") =>
        _sandbox.SeedPod($@"{{""name"":""{name}"",""desiredStatus"":""{status}"",""costPerHr"":{cost.ToString(System.Globalization.CultureInfo.InvariantCulture)},""gpuCount"":1,""machine"":{{""gpuDisplayName"":""RTX A4000""}},""runtime"":null}}");

    private void Terminate(string podId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"{_sandbox.Url}/v2/pods/{podId}");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Sandbox.ApiKey);
        _http.Send(request).EnsureSuccessStatusCode();
    }

    private void Bill(string podId, DateTime time, double amount) =>
        _http.PostAsJsonAsync($"{_sandbox.Url}/_sandbox/billing", new[] { new { podId, time = new DateTimeOffset(time, TimeSpan.Zero), amount } }).Result.EnsureSuccessStatusCode();

    private void BillVolume(string networkVolumeId, DateTime time, double amount) =>
        _http.PostAsJsonAsync($"{_sandbox.Url}/_sandbox/billing", new[] { new { networkVolumeId, time = new DateTimeOffset(time, TimeSpan.Zero), amount } }).Result.EnsureSuccessStatusCode();

    /// <summary>This machine knew a pod by that name: a host key on record, as any SSH command to it leaves.</summary>
    private static void Known(string podId, string name)
    {
        var path = Path.Combine(Environment.GetEnvironmentVariable("ARENA_INFRA_DATA")!, "pod_host_keys.json");
        var records = File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path))!.AsObject() : new JsonObject();
        records[podId] = new JsonObject { ["podName"] = name, ["keyType"] = "ssh-ed25519", ["fingerprint"] = "SHA256:test", ["recordedAt"] = DateTimeOffset.UtcNow.ToString("o") };
        File.WriteAllText(path, records.ToJsonString());
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private void Money(object money) => _http.PostAsJsonAsync($"{_sandbox.Url}/_sandbox/money", money).Result.EnsureSuccessStatusCode();

    private void Post(string path, string json) =>
        _http.PostAsync($"{_sandbox.Url}{path}", new StringContent(json, System.Text.Encoding.UTF8, "application/json")).Result.EnsureSuccessStatusCode();

    /// <summary>The sandbox's own records, from the first day on: what the report must add up to (PodId null: a network volume's).</summary>
    private List<(string? PodId, DateTimeOffset Time, decimal Amount)> Records(DateTime from) =>
        JsonNode.Parse(_http.GetStringAsync($"{_sandbox.Url}/_sandbox/billing").Result)!.AsArray()
            .Select(r => (r!["podId"]?.GetValue<string>(), r["time"]!.GetValue<DateTimeOffset>(), (decimal)r["amount"]!.GetValue<double>()))
            .Where(r => r.Item2 >= new DateTimeOffset(from, TimeSpan.Zero)).ToList();

    private HostResult Run(string script) => _host.Run("$cfg = Import-ArenaConfig $configPath -NoDefault\n" + script, _vars);

    private ArenaSpendReport Report(string arguments = "")
    {
        var result = Run($"Get-ArenaSpend -Config $cfg -ApiKey $key {arguments}");
        Assert.Null(result.Terminating);
        Assert.Empty(result.Errors);
        return result.Output.OfType<ArenaSpendReport>().Single();
    }

    [Fact]
    public void Spend_so_far_equals_the_sandboxs_records_terminated_pods_and_volumes_included_the_fleet_apart_from_the_rest()
    {
        var apple = Seed("arena-apple", 0.17);
        var bloom = Seed("arena-bloom", 0.44);
        var cedar = Seed("arena-cedar", 0.25);
        var outsider = Seed("research-apple", 0.69);
        var volume = _sandbox.SeedNetworkVolume(new { name = "course-data", size = 50, dataCenter = "EU-RO-1", type = "STANDARD" });
        Terminate(cedar);
        Known(cedar, "arena-cedar");
        Bill(apple, Today.AddDays(-1).AddHours(3), 2.5);
        Bill(cedar, Today.AddDays(-2).AddHours(5), 1.25);
        Bill(cedar, Today.AddDays(-2).AddHours(9), 0.75);
        // A pod gone before this machine knew it: the account paid it, the fleet cannot claim it.
        Bill("vanished-pod", Today.AddDays(-1), 0.3);
        BillVolume(volume, Today.AddDays(-1), 1.5);
        // Before the window: never counted.
        Bill(bloom, Today.AddDays(-9), 100);
        BillVolume(volume, Today.AddDays(-9), 100);
        var since = Today.AddDays(-3);

        var report = Report($"-Since '{since:yyyy-MM-dd}'");

        var records = Records(since);
        Assert.Equal(Math.Round(records.Where(r => r.PodId != null).Sum(r => r.Amount), 6), Math.Round(report.Spent, 6));
        // Each pod's first hour (the terminated one's too, and the one outside the fleet: the account pays it) and the added records.
        Assert.Equal(0.17m + 0.44m + 0.25m + 0.69m + 2.5m + 2m + 0.3m, Math.Round(report.Spent, 6));
        Assert.Equal(0.17m + 2.5m + 0.44m + 0.25m + 2m, Math.Round(report.FleetSpent, 6));
        Assert.Equal(0.69m + 0.3m, Math.Round(report.OutsideFleetSpent, 6));
        // The whole bill: every record, the volume's storage included, which no pod's record holds.
        Assert.Equal(Math.Round(records.Sum(r => r.Amount), 6), Math.Round(report.AccountSpent!.Value, 6));
        Assert.Equal(1.5m, Math.Round(report.StorageSpent!.Value, 6));
        Assert.Null(report.AccountSpentUnknownReason);
        var gone = report.Pods.Single(p => p.PodId == cedar);
        Assert.True(gone.Gone);
        Assert.True(gone.InFleet);
        Assert.Equal("arena-cedar", gone.Name);
        Assert.Equal(0.25m + 2m, Math.Round(gone.Spent, 6));
        var stranger = report.Pods.Single(p => p.PodId == "vanished-pod");
        Assert.Equal((true, false, (string?)null), (stranger.Gone, stranger.InFleet, stranger.Name));
        var other = report.Pods.Single(p => p.PodId == outsider);
        Assert.Equal((false, false, "research-apple"), (other.Gone, other.InFleet, other.Name));
        Assert.Equal(0.17m + 2.5m, Math.Round(report.Pods.Single(p => p.PodId == apple).Spent, 6));
        Assert.Equal("arena-apple", report.Pods.Single(p => p.PodId == apple).Name);
        Assert.True(report.Pods.Single(p => p.PodId == apple).InFleet);
        // The fleet's rate now: its running pods only (not the pod outside the fleet, not the terminated one).
        Assert.Equal(0.61m, report.CostPerHour);
        Assert.Equal(0.61m * 24, report.CostPerDay);
        Assert.Equal(new DateTimeOffset(since, TimeSpan.Zero), report.Since);
        Assert.Equal(new[] { Today.AddDays(-2), Today.AddDays(-1), Today }, report.Days.Select(d => d.Day));
        Assert.Equal(2m, Math.Round(report.Days[0].Spent, 6));
        Assert.Equal(4, report.Days[2].PodCount);
        Assert.Equal(Math.Round(report.Spent, 6), Math.Round(report.Days.Sum(d => d.Spent), 6));
    }

    [Theory]
    [InlineData("malformedJson")]
    [InlineData("errorBody200")]
    public void An_account_bill_RunPod_does_not_give_is_unknown_with_the_reason_never_0_and_the_pods_spend_stays(string fault)
    {
        var apple = Seed("arena-apple", 0.17);
        Bill(apple, Today.AddDays(-1), 2.5);
        _sandbox.AddFault(new { kind = fault, operation = "rest:Billing", detail = "internal error", count = 10 });

        var result = Run("Get-ArenaSpend -Config $cfg -ApiKey $key");
        var report = result.Output.OfType<ArenaSpendReport>().Single();

        Assert.Null(result.Terminating);
        Assert.Null(report.AccountSpent);
        Assert.Null(report.StorageSpent);
        Assert.Contains("/v2/billing", report.AccountSpentUnknownReason);
        Assert.Equal(0.17m + 2.5m, Math.Round(report.Spent, 6));
        Assert.Equal(0.17m + 2.5m, Math.Round(report.FleetSpent, 6));
    }

    [Fact]
    public void The_program_start_date_is_where_spend_starts_by_default_and_a_bad_one_is_refused()
    {
        var apple = Seed("arena-apple", 0.17);
        Bill(apple, Today.AddDays(-20), 3);
        Bill(apple, Today.AddDays(-8), 4);
        _vars["started"] = _dir.Write("started.env", File.ReadAllText((string)_vars["configPath"]!) + $"\nPROGRAM_START_DATE={Today.AddDays(-21):yyyy-MM-dd}\n");
        _vars["bad"] = _dir.Write("bad.env", File.ReadAllText((string)_vars["configPath"]!) + "\nPROGRAM_START_DATE=2026-13-45\n");

        var byDefault = Report();
        var started = Run("$c = Import-ArenaConfig $started -NoDefault; Get-ArenaSpend -Config $c -ApiKey $key").Output.OfType<ArenaSpendReport>().Single();
        var bad = Run("$c = Import-ArenaConfig $bad -NoDefault; try { Get-ArenaSpend -Config $c -ApiKey $key -ErrorAction Stop } catch { $_ }");

        Assert.Equal(new DateTimeOffset(Today.AddDays(-7), TimeSpan.Zero), byDefault.Since);
        Assert.Equal(0.17m, Math.Round(byDefault.Spent, 6));
        Assert.Equal(7.17m, Math.Round(started.Spent, 6));
        Assert.Equal("InvalidConfigValue", bad.CaughtErrorId);
    }

    [Fact]
    public void The_runway_is_the_balance_at_the_larger_rate_and_a_short_one_warns()
    {
        Seed("arena-apple", 0.17);
        Seed("arena-bloom", 0.44);
        Money(new { clientBalance = 10.0, currentSpendPerHr = 0.5, spendLimit = 80.0, underBalance = false });
        var asOf = new DateTime(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);
        _vars["asOf"] = asOf;

        var before = DateTimeOffset.UtcNow;
        var result = Run("Get-ArenaSpend -Config $cfg -ApiKey $key -AsOf $asOf -Since '2026-11-30'");
        var after = DateTimeOffset.UtcNow;
        var report = result.Output.OfType<ArenaSpendReport>().Single();

        Assert.Equal(10m, report.Balance);
        Assert.Equal(0.5m, report.RunPodSpendPerHour);
        // The fleet's 0.61/h is larger than RunPod's 0.5/h: the runway is reckoned at it.
        Assert.Equal(0.61m, report.BurnPerHour);
        Assert.Equal(16.4m, report.RunwayHours);
        // -AsOf is in the past, but the balance and the rates are the moment they were read: the report says when, and the date runs from then.
        Assert.Equal(new DateTimeOffset(asOf), report.AsOf);
        Assert.InRange(report.CostReadAt, before, after);
        Assert.Equal(report.CostReadAt.AddHours((double)(10m / 0.61m)), report.RunsOutAt);
        Assert.Equal($"16.4 h (runs out {report.RunsOutAt!.Value.UtcDateTime:yyyy-MM-dd HH:mm} UTC)", report.Runway);
        Assert.Contains("BALANCE_WARN_HOURS (48 h)", report.Warning);
        Assert.Contains(result.Warnings, w => w.Contains("16.4 h"));

        Money(new { clientBalance = 1000.0, currentSpendPerHr = 2.0, spendLimit = 80.0, underBalance = false });
        var plenty = Run("Get-ArenaSpend -Config $cfg -ApiKey $key -AsOf $asOf -Since '2026-11-30'");
        var longRunway = plenty.Output.OfType<ArenaSpendReport>().Single();
        Assert.Equal(2m, longRunway.BurnPerHour);
        Assert.Equal(500m, longRunway.RunwayHours);
        Assert.Null(longRunway.Warning);
        Assert.Empty(plenty.Warnings);

        Money(new { clientBalance = 1000.0, currentSpendPerHr = 2.0, spendLimit = 80.0, underBalance = true });
        var under = Report("-Since '2026-11-30'");
        Assert.Contains("under balance", under.Warning);
    }

    [Fact]
    public void After_GraphQL_answers_410_the_balance_is_unknown_with_the_reason_never_not_burning()
    {
        _sandbox.AddFault(new { kind = "status", status = 410, operation = "clientBalance", count = 20 });

        var result = Run("Get-ArenaSpend -Config $cfg -ApiKey $key");
        var report = result.Output.OfType<ArenaSpendReport>().Single();

        Assert.Null(result.Terminating);
        Assert.Null(report.Balance);
        Assert.Null(report.RunwayHours);
        Assert.Contains("410", report.BalanceUnknownReason);
        Assert.StartsWith("unknown (", report.Runway);
        Assert.DoesNotContain("not burning", report.Runway);
        Assert.Contains("balance is unknown", report.Warning);
        Assert.Contains(result.Warnings, w => w.Contains("410"));
        Assert.Contains("unknown", Run("Get-ArenaSpend -Config $cfg -ApiKey $key | Out-String").Output.OfType<string>().Single());
    }

    [Fact]
    public void With_nothing_billed_and_no_pods_the_report_is_empty_and_the_known_balance_is_not_burning()
    {
        var report = Report();

        Assert.Equal(0m, report.Spent);
        Assert.Equal(0m, report.CostPerHour);
        Assert.Empty(report.Pods);
        Assert.Empty(report.Days);
        Assert.Equal(100m, report.Balance);
        Assert.Equal("not burning", report.Runway);
        Assert.Null(report.Warning);
    }

    [Fact]
    public void Hostile_values_a_huge_amount_fails_the_history_a_huge_balance_is_unknown_and_escapes_never_reach_the_terminal()
    {
        var evil = "pod\u001b]0;owned\u0007\u001b[31m";
        Bill(evil, Today, 1.5);
        Money(new { clientBalance = 1e300, currentSpendPerHr = 0.5, spendLimit = 80.0, underBalance = false });

        _vars["format"] = Path.Combine(RepoPaths.Root, "ArenaInfra.Module", "ArenaInfra.Format.ps1xml");
        var result = Run("Update-FormatData -PrependPath $format; $r = Get-ArenaSpend -Config $cfg -ApiKey $key; $r; $r | Format-List | Out-String; $r.Pods | Format-Table | Out-String");
        var report = result.Output.OfType<ArenaSpendReport>().Single();
        Assert.Null(report.Balance);
        Assert.Contains("clientBalance", report.BalanceUnknownReason);
        Assert.Equal(evil, report.Pods.Single().PodId);
        Assert.All(result.Output.OfType<string>(), text => Assert.DoesNotContain('\u001b', text));
        Assert.Contains(result.Output.OfType<string>(), text => text.Contains("1.5"));

        Bill("arena-huge", Today, 1e300);
        var huge = Run("try { Get-ArenaSpend -Config $cfg -ApiKey $key -ErrorAction Stop } catch { $_ }");
        Assert.Equal("InvalidResponse", huge.CaughtErrorId);
        Assert.Empty(huge.Output.OfType<ArenaSpendReport>());
    }

    [Fact]
    public void A_billing_history_RunPod_does_not_give_fails_the_command_and_no_partial_report_is_shown()
    {
        _sandbox.AddFault(new { kind = "status", status = 503, operation = "rest:PodBilling", count = 20 });

        var failed = Run("try { Get-ArenaSpend -Config $cfg -ApiKey $key -ErrorAction Stop } catch { $_ }");

        Assert.Equal("ApiUnreachable", failed.CaughtErrorId);
        Assert.Empty(failed.Output.OfType<ArenaSpendReport>());
    }

    [Fact]
    public void A_start_after_the_moment_of_the_report_is_refused_before_RunPod_is_asked()
    {
        var refused = Run("try { Get-ArenaSpend -Config $cfg -ApiKey $key -Since '2026-12-05' -AsOf '2026-12-01T00:00:00Z' -ErrorAction Stop } catch { $_ }");

        Assert.Equal("InvalidArgument", refused.CaughtErrorId);
        Assert.DoesNotContain(_sandbox.Requests(), r => r.Path.StartsWith("/v2/billing", StringComparison.Ordinal));
    }

    [Fact]
    public void Ctrl_C_stops_it_while_the_billing_request_hangs()
    {
        _sandbox.AddFault(new { kind = "slow", delayMs = 30000, operation = "rest:PodBilling", count = 5 });
        // RUNPOD_API_RETRY_MAX_SEC bounds a request's time: left at its default, only Ctrl+C ends this one.
        var patient = _dir.Write("patient.env", $"RUNPOD_API_BASE_URL={_sandbox.Url}\nMACHINE_NAME_LIST=(apple)\n");
        var script = $"$c = Import-ArenaConfig '{patient}' -NoDefault; Get-ArenaSpend -Config $c -ApiKey (ConvertTo-SecureString '{Sandbox.ApiKey}' -AsPlainText -Force)";

        var (wasRunning, stopTook, state) = PowerShellHost.StopAfter(script, TimeSpan.FromSeconds(4));

        Assert.True(wasRunning);
        Assert.True(stopTook < TimeSpan.FromSeconds(5), $"stopping took {stopTook}");
        Assert.Equal(PSInvocationState.Stopped, state);
    }

    [Fact]
    public void The_sandbox_bills_a_terminated_pod_and_answers_billing_queries_as_the_published_document_says()
    {
        var cedar = Seed("arena-cedar", 0.25);
        Terminate(cedar);
        string Get(string query, out int status)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{_sandbox.Url}/v2/billing/pods{query}");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Sandbox.ApiKey);
            using var response = _http.Send(request);
            status = (int)response.StatusCode;
            return response.Content.ReadAsStringAsync().Result;
        }

        var body = JsonNode.Parse(Get($"?bucketSize=day&lastN=2&podId={cedar}", out var ok))!;
        Get("?lastN=2&startTime=2026-11-01T00:00:00Z", out var both);
        Get("?bucketSize=fortnight", out var badBucket);

        Assert.Equal(200, ok);
        Assert.Equal(cedar, body["records"]![0]!["podId"]!.GetValue<string>());
        Assert.Equal(0.25, body["metadata"]!["totals"]!["totalAmount"]!.GetValue<double>());
        Assert.Equal(1, body["metadata"]!["recordCount"]!.GetValue<int>());
        Assert.Equal(400, both);
        Assert.Equal(422, badBucket);

        var volume = _sandbox.SeedNetworkVolume(new { name = "fast", size = 10, dataCenter = "EU-RO-1", type = "HIGH_PERFORMANCE" });
        BillVolume(volume, Today, 0.5);
        string GetAccount(string query, out int status)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{_sandbox.Url}/v2/billing{query}");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Sandbox.ApiKey);
            using var response = _http.Send(request);
            status = (int)response.StatusCode;
            return response.Content.ReadAsStringAsync().Result;
        }
        var account = JsonNode.Parse(GetAccount("?bucketSize=day&lastN=2", out var accountOk))!;
        GetAccount($"?podId={cedar}", out var podFilter);
        GetAccount("?lastN=2&endTime=2026-11-01T00:00:00Z", out var accountBoth);

        Assert.Equal(200, accountOk);
        var day = Assert.Single(account["records"]!.AsArray())!;
        Assert.Equal(0.75, day["totalAmount"]!.GetValue<double>());
        Assert.Equal(0.25, day["podGpuAmount"]!.GetValue<double>());
        Assert.Equal(0.5, day["storageHighPerformanceAmount"]!.GetValue<double>());
        Assert.Equal(0.0, day["storageStandardAmount"]!.GetValue<double>());
        Assert.Equal(16, day.AsObject().Count);
        Assert.Equal(0.75, account["metadata"]!["totals"]!["totalAmount"]!.GetValue<double>());
        Assert.Equal(14, account["metadata"]!["totals"]!.AsObject().Count);
        Assert.Equal(1, account["metadata"]!["recordCount"]!.GetValue<int>());
        Assert.Null(account["metadata"]!["query"]!["podId"]);
        Assert.Equal(422, podFilter);
        Assert.Equal(400, accountBoth);
    }
}
