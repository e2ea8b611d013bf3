using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// What a table row says for results built here, through the module's own views: a failed command
/// shows its error, and a roster check nobody could make says so instead of "yes".
/// </summary>
public sealed class ResultViewTests : IDisposable
{
    private readonly PowerShellHost _host = new();

    public void Dispose() => _host.Dispose();

    /// <summary>The rendered table without its colours: $PSStyle is one for the process, and other classes set it while this one runs.</summary>
    private string Table(object results) => System.Text.RegularExpressions.Regex.Replace(string.Join("\n", _host.Run(
        "Update-FormatData -PrependPath $format; $PSStyle.OutputRendering = 'PlainText'; $results | Out-String -Width 160",
        new Dictionary<string, object?> { ["format"] = Path.Combine(RepoPaths.Root, "ArenaInfra.Module", "ArenaInfra.Format.ps1xml"), ["results"] = results }).Output), "\u001b\\[[0-9;]*m", "");

    [Fact]
    public void A_failed_command_shows_the_last_line_of_its_error_and_a_passed_one_its_output()
    {
        var failed = new ArenaCommandResult { Name = "camp-alpha", ExitCode = 2, StdOut = "step 1\nstep 2 done\n", StdErr = "warming up\nmatmul wrong\u001b]52;c;AAAA\u0007\n" };
        var passed = new ArenaCommandResult { Name = "camp-bravo", ExitCode = 0, Succeeded = true, StdOut = "all\nfine\n", StdErr = "a warning\n" };
        var silent = new ArenaCommandResult { Name = "camp-charlie", ExitCode = 1, StdOut = "only output\n" };

        Assert.Equal("matmul wrong?]52;c;AAAA?", failed.Summary);
        Assert.Equal("fine", passed.Summary);
        Assert.Equal("only output", silent.Summary);
        var table = Table(new[] { failed, passed, silent });
        Assert.Contains("matmul wrong", table);
        Assert.DoesNotContain("step 2 done", table);
        Assert.False(table.Contains("\u001b]"), table.Replace("\u001b", "<ESC>"));
        Assert.Contains("fine", table);
        Assert.DoesNotContain("a warning", table);
    }

    [Fact]
    public void A_roster_check_on_a_pod_nobody_reached_is_unknown_and_the_column_is_named_as_its_property()
    {
        var refused = new ArenaRosterAccessResult { Participant = "Ada", Id = "ada", Name = "camp-bravo", Assigned = false, Reached = false, Stage = ArenaTestStage.Authenticate };
        var unreached = new ArenaRosterAccessResult { Participant = "Ada", Id = "ada", Name = "camp-charlie", Assigned = false, Reached = false, Stage = ArenaTestStage.Connect, Error = "connection refused" };
        var stopped = new ArenaRosterAccessResult { Participant = "Cy", Id = "cy", Name = "camp-delta", Assigned = false, Reached = false, Stage = ArenaTestStage.NotRunning };

        Assert.True(refused.AsRosterSays);
        Assert.Null(unreached.AsRosterSays);
        Assert.Null(stopped.AsRosterSays);
        Assert.False(unreached.Hole);
        var lines = Table(new[] { refused, unreached, stopped }).Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
        Assert.Matches(@"^Participant\s+Name\s", lines[0]);
        Assert.Matches(@"camp-bravo\s+no\s+yes$", lines.Single(l => l.Contains("camp-bravo")));
        Assert.Matches(@"camp-charlie\s+no\s+unknown: not reached \(Connect\)$", lines.Single(l => l.Contains("camp-charlie")));
        Assert.Matches(@"camp-delta\s+no\s+unknown: not reached \(NotRunning\)$", lines.Single(l => l.Contains("camp-delta")));
    }

    [Fact]
    public void The_pod_tables_Lock_column_names_the_provider_of_a_machine_RunPod_did_not_make()
    {
        var runPod = new ArenaPod { Name = "camp-alpha", Status = ArenaPodStatus.Running, Locked = true };
        var byHand = new ArenaPod { Name = "camp-bravo", Status = ArenaPodStatus.Down, Provider = ArenaProvider.Static };
        var vast = new ArenaPod { Name = "camp-charlie", Status = ArenaPodStatus.Unknown, Provider = ArenaProvider.Vast, ProviderProblem = "Vast did not answer" };
        var unknownLock = new ArenaPod { Name = "camp-delta", Status = ArenaPodStatus.Running };

        var lines = Table(new[] { runPod, byHand, vast, unknownLock }).Split('\n').Select(l => l.TrimEnd()).ToList();

        Assert.Matches(@"^camp-alpha\s+Running\s+locked\b", lines.Single(l => l.StartsWith("camp-alpha", StringComparison.Ordinal)));
        Assert.Matches(@"^camp-bravo\s+Down\s+static\b", lines.Single(l => l.StartsWith("camp-bravo", StringComparison.Ordinal)));
        Assert.Matches(@"^camp-charlie\s+Unknown\s+vast\b", lines.Single(l => l.StartsWith("camp-charlie", StringComparison.Ordinal)));
        Assert.Matches(@"^camp-delta\s+Running\s+\?", lines.Single(l => l.StartsWith("camp-delta", StringComparison.Ordinal)));
    }
}
