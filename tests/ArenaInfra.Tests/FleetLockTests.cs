using System.Diagnostics;
using System.Text.Json;
using ArenaInfra.Common.IO;
using ArenaInfra.Pods.Create;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// One creator at a time: two real PowerShell processes, each importing the module, run
/// New-ArenaPod -Count 2 -Force against one sandbox at the same moment (two scheduled runs). RunPod's
/// price lookup is made slow, so both are planning at once: without a lock across processes both
/// see the names free and buy them twice.
/// </summary>
[Trait("Category", "Sandbox")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class FleetLockTests : IClassFixture<Sandbox>, IDisposable
{
    private readonly Sandbox _sandbox;
    private readonly CampFleet _fleet;
    private readonly TempDir _data = new();

    public FleetLockTests(Sandbox sandbox)
    {
        _sandbox = sandbox;
        _sandbox.Reset();
        _fleet = new CampFleet(sandbox, "alpha", "bravo", "charlie");
    }

    public void Dispose()
    {
        _fleet.Dispose();
        _data.Dispose();
    }

    private sealed record Run(string[] Created, string[] Warnings, string[] Errors, string Said);

    /// <summary>Starts both processes, lets them import the module, then starts them together; their results.</summary>
    private List<Run> RaceTwoRuns()
    {
        // Slow enough that the second run plans while the first has not yet sent a create.
        _sandbox.AddFault(new { kind = "slow", operation = "rest:GpuPrice", delayMs = 3000, count = 4 });
        return StartRuns("1", "2");
    }

    /// <summary>Starts a process for each name, lets them import the module, then starts them together; their results.</summary>
    private List<Run> StartRuns(params string[] names)
    {
        var dir = _fleet.Dir.Path;
        var module = typeof(ArenaInfra.Cmdlets.GetArenaPodCommand).Assembly.Location;
        var script = string.Join("\n",
            "param($n)",
            "$ErrorActionPreference = 'Stop'",
            $"Import-Module '{module}'",
            $"$cfg = Import-ArenaConfig '{_fleet.Variables["configPath"]}' -NoDefault",
            $"New-Item -ItemType File (Join-Path '{dir}' \"ready-$n\") | Out-Null",
            $"while (-not (Test-Path (Join-Path '{dir}' 'go'))) {{ Start-Sleep -Milliseconds 10 }}",
            "$out = @(); $caught = @()",
            "try { $out = @(New-ArenaPod -Count 2 -Force -Config $cfg -WarningVariable w -WarningAction SilentlyContinue -ErrorVariable e -ErrorAction SilentlyContinue) }",
            "catch { $caught = @($_) }",
            // -ErrorVariable holds a terminating error's exception as well as records: each gives its id once.
            "$ids = @(@($e) + $caught | ForEach-Object { if ($_ -is [System.Management.Automation.ErrorRecord]) { $_.FullyQualifiedErrorId.Split(',')[0] } elseif ($_.ErrorId) { $_.ErrorId } } | Select-Object -Unique)",
            "[pscustomobject]@{ Created = @($out | ForEach-Object Name); Warnings = @($w | ForEach-Object Message); Errors = $ids } |",
            $"  ConvertTo-Json -Compress | Set-Content (Join-Path '{dir}' \"result-$n.json\")");
        var file = _fleet.Dir.Write("race.ps1", script);
        var processes = new List<Process>();
        try
        {
            foreach (var n in names)
            {
                var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoPaths.Root };
                foreach (var arg in new[] { "exec", RosterTests.PwshDll(), "-NoProfile", "-NonInteractive", "-File", file, n }) info.ArgumentList.Add(arg);
                info.Environment["ARENA_INFRA_DATA"] = _data.Path;
                info.Environment["RUNPOD_API_KEY"] = Sandbox.ApiKey;
                info.Environment.Remove("ARENA_CONFIG");
                processes.Add(Process.Start(info)!);
            }
            var said = processes.Select(p => (Out: p.StandardOutput.ReadToEndAsync(), Err: p.StandardError.ReadToEndAsync())).ToList();
            var ready = Stopwatch.StartNew();
            while (!names.All(n => File.Exists(Path.Combine(dir, $"ready-{n}"))))
            {
                Assert.True(ready.Elapsed < TimeSpan.FromSeconds(90), "the processes did not get ready");
                if (processes.Any(p => p.HasExited)) Assert.Fail("a process ended before it got ready: " + string.Join("\n", said.Select(s => s.Err.Result)));
                Thread.Sleep(20);
            }
            File.WriteAllText(Path.Combine(dir, "go"), "");
            foreach (var p in processes) Assert.True(p.WaitForExit(120_000), "a process did not finish");
            return names.Select((n, i) =>
            {
                var text = said[i].Out.Result + said[i].Err.Result;
                var result = Path.Combine(dir, $"result-{n}.json");
                Assert.True(File.Exists(result), text);
                var json = JsonDocument.Parse(File.ReadAllText(result)).RootElement;
                string[] Strings(string name) => json.GetProperty(name).ValueKind == JsonValueKind.Array
                    ? json.GetProperty(name).EnumerateArray().Select(x => x.GetString() ?? "").ToArray()
                    : json.GetProperty(name).ValueKind == JsonValueKind.String ? new[] { json.GetProperty(name).GetString()! } : Array.Empty<string>();
                return new Run(Strings("Created"), Strings("Warnings"), Strings("Errors"), text);
            }).ToList();
        }
        finally
        {
            foreach (var p in processes)
            {
                if (!p.HasExited) p.Kill(entireProcessTree: true);
                p.Dispose();
            }
        }
    }

    private IReadOnlyList<string> PodsInSandbox() =>
        JsonDocument.Parse(new HttpClient().GetStringAsync(_sandbox.Url + "/_sandbox/pods").Result).RootElement.EnumerateArray()
            .Select(p => p.GetProperty("name").GetString()!).OrderBy(n => n, StringComparer.Ordinal).ToList();

    [Fact]
    public void Two_runs_at_once_buy_each_pod_once_the_second_waits_and_finds_them()
    {
        var runs = RaceTwoRuns();

        Assert.Equal(new[] { "camp-alpha", "camp-bravo" }, PodsInSandbox());
        Assert.Equal(2, _sandbox.Requests().Count(r => r.OperationName == "CreatePod"));
        var winner = Assert.Single(runs, r => r.Created.Length == 2);
        var loser = Assert.Single(runs, r => r.Created.Length == 0);
        Assert.Empty(winner.Errors);
        Assert.Empty(loser.Errors);
        // The loser waited for the lock, then read a fresh list and found both names taken.
        Assert.Contains(loser.Warnings, w => w.Contains("waiting up to 600 s", StringComparison.Ordinal));
        Assert.Contains(loser.Warnings, w => w.StartsWith("camp-alpha exists already", StringComparison.Ordinal));
        Assert.Contains(loser.Warnings, w => w.StartsWith("camp-bravo exists already", StringComparison.Ordinal));
    }

    [Fact]
    public void A_run_that_waits_past_the_deadline_is_FleetBusy_and_buys_nothing()
    {
        File.AppendAllText((string)_fleet.Variables["configPath"]!, "ARENA_FLEET_LOCK_TIMEOUT_SEC=1\n");

        // Another run holds the lock past the deadline: this process, through the module's own lock on the
        // same file (that a holding run goes on to buy its pods is the race test's).
        Run run;
        using (FleetLock.AcquireAsync(Path.Combine(_data.Path, FleetLock.FileName), TimeSpan.Zero, "created", new RecordingLog(), CancellationToken.None).Result)
        {
            run = Assert.Single(StartRuns("1"));
        }

        Assert.Empty(PodsInSandbox());
        Assert.Equal(0, _sandbox.Requests().Count(r => r.OperationName == "CreatePod"));
        Assert.Empty(run.Created);
        Assert.Equal(new[] { "FleetBusy" }, run.Errors);
        Assert.Contains(run.Warnings, w => w.Contains("waiting up to 1 s", StringComparison.Ordinal));
    }

    [Fact]
    public void The_lock_is_one_holder_at_a_time_is_freed_when_released_and_never_taken_through_a_link()
    {
        var path = Path.Combine(_data.Path, "fleet.lock");
        var log = new RecordingLog();
        using (FleetLock.AcquireAsync(path, TimeSpan.Zero, "created", log, CancellationToken.None).Result)
        {
            var busy = Assert.ThrowsAsync<ArenaException>(() => FleetLock.AcquireAsync(path, TimeSpan.FromMilliseconds(300), "created", log, CancellationToken.None)).Result;
            Assert.Equal("FleetBusy", busy.ErrorId);
            Assert.Contains("nothing was created", busy.Message, StringComparison.Ordinal);
            Assert.Contains(log.Lines, l => l.StartsWith("WARNING: Another command on this machine", StringComparison.Ordinal));
        }
        FleetLock.AcquireAsync(path, TimeSpan.Zero, "created", log, CancellationToken.None).Result.Dispose();
        Assert.Equal(Convert.ToInt32("600", 8), SafeFile.UnixMode(path)! & Convert.ToInt32("777", 8));

        var target = Path.Combine(_data.Path, "elsewhere");
        File.WriteAllText(target, "keep");
        var link = Path.Combine(_data.Path, "linked.lock");
        File.CreateSymbolicLink(link, target);
        var refused = Assert.ThrowsAsync<ArenaException>(() => FleetLock.AcquireAsync(link, TimeSpan.FromSeconds(5), "created", log, CancellationToken.None)).Result;
        Assert.Equal("FleetBusy", refused.ErrorId);
        Assert.Equal("keep", File.ReadAllText(target));
    }
}
