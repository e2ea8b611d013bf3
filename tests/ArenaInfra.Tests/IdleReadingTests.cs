using ArenaInfra.Idle;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>The idle probe's output read strictly: the pod sends it, so only the run's own lines in their shapes count.</summary>
public sealed class IdleReadingTests
{
    private const string Nonce = "N0NCE";

    private static string Probe(params string[] lines) =>
        "from a login script\n" + $"ARENA-IDLE-BEGIN {Nonce}\n" + string.Join("\n", lines) + $"\nARENA-IDLE-END {Nonce}\n";

    private static readonly string[] Idle =
    {
        "NOW 1800000000", "UPTIME 90000", "SSH 0", "INBOUND 0", "VSCODE 0",
        "GPU 1 0, 3", "GPU 2 0, 3", "GPU 3 1, 3", "FILES 1799900000",
    };

    private static ArenaIdlePodReport Judge(string output, double hours = 6)
    {
        var report = new ArenaIdlePodReport();
        report.Judge(IdleReadings.Read(output, Nonce), TimeSpan.FromHours(hours));
        return report;
    }

    [Fact]
    public void Every_reading_idle_is_a_candidate_and_one_busy_reading_is_not()
    {
        var idle = Judge(Probe(Idle));
        Assert.Equal(ArenaIdleVerdict.Idle, idle.Verdict);
        Assert.Equal(27.8, idle.HoursSinceFileChange);
        Assert.Equal(25, idle.UptimeHours);
        Assert.Equal(1, idle.GpuUtilizationPercent);

        Assert.Equal(ArenaIdleVerdict.Busy, Judge(Probe(Idle.Select(l => l == "VSCODE 0" ? "VSCODE 2" : l).ToArray())).Verdict);
        Assert.Equal(ArenaIdleVerdict.Busy, Judge(Probe(Idle.Select(l => l == "INBOUND 0" ? "INBOUND 1" : l).ToArray())).Verdict);
        Assert.Equal(ArenaIdleVerdict.Busy, Judge(Probe(Idle.Select(l => l == "GPU 2 0, 3" ? "GPU 2 0, 9000" : l).ToArray())).Verdict);
        Assert.Equal(ArenaIdleVerdict.Busy, Judge(Probe(Idle.Select(l => l == "UPTIME 90000" ? "UPTIME 600" : l).ToArray())).Verdict);
        Assert.Equal(ArenaIdleVerdict.Busy, Judge(Probe(Idle), hours: 30).Verdict);
    }

    [Theory]
    [InlineData("SSH ?")]
    [InlineData("FILES ?")]
    [InlineData("FILES none")]
    [InlineData("GPU 3 ?")]
    [InlineData("UPTIME 99999999999999999999")]
    [InlineData("NOW -5")]
    public void A_reading_unknown_or_out_of_bounds_is_never_idle(string replacement)
    {
        var key = replacement.Substring(0, replacement.IndexOf(' ') + (replacement.StartsWith("GPU", StringComparison.Ordinal) ? 2 : 0));
        var lines = Idle.Where(l => !l.StartsWith(key, StringComparison.Ordinal)).Append(replacement).ToArray();

        var report = Judge(Probe(lines));

        Assert.Equal(ArenaIdleVerdict.Unknown, report.Verdict);
        Assert.Empty(report.Commands);
    }

    [Fact]
    public void Lines_outside_the_run_repeated_readings_and_escapes_count_for_nothing()
    {
        // A login script cannot end the run early or pose as a reading: it does not know the nonce.
        var forged = "ARENA-IDLE-BEGIN other\n" + string.Join("\n", Idle) + "\nARENA-IDLE-END other\n";
        var outside = Judge(forged + $"ARENA-IDLE-BEGIN {Nonce}\nSSH 3\nARENA-IDLE-END {Nonce}\n");
        Assert.Equal(ArenaIdleVerdict.Busy, outside.Verdict);
        Assert.Null(outside.GpuUtilizationPercent);

        var twice = Judge(Probe(Idle.Append("SSH 0").ToArray()));
        Assert.Equal(ArenaIdleVerdict.Unknown, twice.Verdict);
        Assert.Null(twice.SshSessions);

        var escaped = Judge(Probe(Idle.Select(l => l == "GPU 1 0, 3" ? "GPU 1 \u001b[31m0, 3" : l).ToArray()));
        Assert.Equal(ArenaIdleVerdict.Unknown, escaped.Verdict);
        Assert.All(escaped.Reasons, r => Assert.True(TerminalText.IsSafe(r), r));

        var huge = Judge(Probe(Idle.Append(new string('9', 100_000)).ToArray()));
        Assert.Equal(ArenaIdleVerdict.Idle, huge.Verdict);

        var unfinished = Judge($"ARENA-IDLE-BEGIN {Nonce}\n" + string.Join("\n", Idle));
        Assert.Equal(ArenaIdleVerdict.Unknown, unfinished.Verdict);
        Assert.Contains("the probe did not run to its end", unfinished.Reasons);
    }

    [Fact]
    public void Three_samples_of_the_same_GPUs_are_needed()
    {
        var missing = Judge(Probe(Idle.Where(l => !l.StartsWith("GPU 3", StringComparison.Ordinal)).ToArray()));
        Assert.Null(missing.GpuUtilizationPercent);
        var uneven = Judge(Probe(Idle.Append("GPU 2 0, 3").ToArray()));
        Assert.Null(uneven.GpuUtilizationPercent);
        var overflow = Judge(Probe(Idle.Select(l => l == "GPU 1 0, 3" ? "GPU 1 101, 3" : l).ToArray()));
        Assert.Null(overflow.GpuUtilizationPercent);
    }
}
