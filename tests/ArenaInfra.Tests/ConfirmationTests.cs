using System.Management.Automation;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// One way to confirm, checked per command: a command that changes things asks once for the batch;
/// -Force answers for the user; -WhatIf only shows; an explicit -Confirm always asks; a session that
/// cannot prompt gets ConfirmationRequired and nothing is done.
/// </summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
public sealed class ConfirmationTests : IClassFixture<Sandbox>, IClassFixture<ConfirmationTests.Sessions>, IDisposable
{
    /// <summary>A command that asks unless -Force, how to run it, the pods it needs, and whether it did anything.</summary>
    public sealed record Confirmed(string Template, string SeedStatus, Func<HostResult, bool> Did);

    private static bool EmittedSomething(HostResult result) => result.Output.Any(o => o is ArenaPod || o is ArenaPodOperationResult || o is ArenaDeployResult);

    public static readonly Dictionary<string, Confirmed> AskUnlessForced = new()
    {
        ["New-ArenaPod"] = new("New-ArenaPod -Name delta", "RUNNING", EmittedSomething),
        ["Start-ArenaPod"] = new("Start-ArenaPod -Name alpha -PassThru", "EXITED", EmittedSomething),
        ["Stop-ArenaPod"] = new("Stop-ArenaPod -Name alpha -AllowDataLoss -PassThru", "RUNNING", EmittedSomething),
        ["Remove-ArenaPod"] = new("Remove-ArenaPod -Name alpha -PassThru", "EXITED", EmittedSomething),
        ["Initialize-ArenaPod"] = new("Initialize-ArenaPod -Name alpha", "EXITED", EmittedSomething),
        ["Set-ArenaPodSecret"] = new("Set-ArenaPodSecret -Name alpha -VariableName OPENAI_API_KEY -Value $secret", "EXITED", EmittedSomething),
        ["Save-ArenaPodWork"] = new("Save-ArenaPodWork -Name alpha -Label d1", "EXITED", EmittedSomething),
        ["New-ArenaPodBranch"] = new("New-ArenaPodBranch -Name alpha -Label d1", "EXITED", EmittedSomething),
        ["Copy-ArenaPodItem"] = new("Copy-ArenaPodItem -Name alpha -Path $roster -Destination ~/roster.csv", "EXITED", EmittedSomething),
        ["Restore-ArenaPod"] = new("Restore-ArenaPod -Name alpha -Source $dir", "EXITED", EmittedSomething),
        ["Repair-ArenaPod"] = new("Repair-ArenaPod -Name alpha -ReadyTimeoutSec 1", "EXITED", EmittedSomething),
        ["Sync-ArenaPodAccess"] = new("Sync-ArenaPodAccess -Name alpha -RosterPath $roster", "EXITED", EmittedSomething),
        ["Deploy-ArenaPod"] = new("Deploy-ArenaPod -Name delta -TimeoutSec 1 -TestCommand true", "RUNNING", EmittedSomething),
    };

    public static IEnumerable<object[]> Commands() => AskUnlessForced.Keys.Select(k => new object[] { k });

    /// <summary>
    /// The two sessions, one that prompts and one that cannot, opened once for the class: a runspace
    /// costs more to open than most of these commands take. Every run sets its variables and defaults
    /// afresh, and the prompts are cleared before each.
    /// </summary>
    public sealed class Sessions : IDisposable
    {
        public Sessions() => Interactive = new PowerShellHost(Prompts);

        public PromptingHost Prompts { get; } = new();
        public PowerShellHost Interactive { get; }
        public PowerShellHost Unattended { get; } = new();

        public void Dispose()
        {
            Interactive.Dispose();
            Unattended.Dispose();
        }
    }

    private readonly CampFleet _fleet;
    private readonly PromptingHost _prompts;
    private readonly PowerShellHost _interactive;
    private readonly PowerShellHost _unattended;

    public ConfirmationTests(Sandbox sandbox, Sessions sessions)
    {
        _fleet = new CampFleet(sandbox, "alpha", "bravo", "charlie", "delta");
        _prompts = sessions.Prompts;
        _interactive = sessions.Interactive;
        _unattended = sessions.Unattended;
        _prompts.Clear();
    }

    public void Dispose()
    {
        _fleet.Dispose();
    }

    private void Seed(string status, int volumeGb = 5) => _fleet.Seed(new[] { "camp-alpha", "camp-bravo" }, status, volumeGb);

    private HostResult Run(PowerShellHost host, string command, string extra) => _fleet.Run(host, $"{command} {extra}");

    private HostResult RunCase(string command, string extra, bool interactive, params bool[] answers)
    {
        var spec = AskUnlessForced[command];
        Seed(spec.SeedStatus);
        _prompts.Clear();
        _prompts.Answer(answers);
        return Run(interactive ? _interactive : _unattended, spec.Template, extra);
    }

    private bool Did(string command, HostResult result) => AskUnlessForced[command].Did(result);

    [Theory]
    [MemberData(nameof(Commands))]
    public void Asks_once_for_the_batch_and_a_no_does_nothing(string command)
    {
        var result = RunCase(command, "", interactive: true, false);
        Assert.Single(_prompts.Prompts);
        Assert.False(Did(command, result));
        Assert.False(_fleet.AnyChangeRequested());
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void A_yes_goes_ahead(string command)
    {
        var result = RunCase(command, "", interactive: true, true);
        Assert.Single(_prompts.Prompts);
        Assert.True(Did(command, result));
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void Force_goes_ahead_without_a_question(string command)
    {
        var result = RunCase(command, "-Force", interactive: true);
        Assert.Empty(_prompts.Prompts);
        Assert.True(Did(command, result));
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void WhatIf_only_shows_even_with_Force(string command)
    {
        var result = RunCase(command, "-WhatIf -Force", interactive: true);
        Assert.Empty(_prompts.Prompts);
        Assert.False(Did(command, result));
        Assert.Contains("What if:", _prompts.Written);
        Assert.False(_fleet.AnyChangeRequested());
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void An_explicit_Confirm_asks_even_with_Force(string command)
    {
        var result = RunCase(command, "-Force -Confirm", interactive: true, false);
        Assert.Single(_prompts.Prompts);
        Assert.False(Did(command, result));
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void A_session_that_cannot_prompt_gets_ConfirmationRequired_and_nothing_is_done(string command)
    {
        var result = RunCase(command, "", interactive: false);
        Assert.Equal("ConfirmationRequired", result.CaughtErrorId);
        Assert.Contains("-Force", result.Caught.ErrorDetails.RecommendedAction);
        Assert.False(Did(command, result));
        Assert.False(_fleet.AnyChangeRequested());
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void Confirm_false_answers_in_an_unattended_session(string command)
    {
        var result = RunCase(command, "-Confirm:$false", interactive: false);
        Assert.Empty(result.Output.OfType<ErrorRecord>());
        Assert.True(Did(command, result));
    }

    /// <summary>Commands that ask only when told to (-Confirm, or $ConfirmPreference at their impact), as PowerShell's own do.</summary>
    public static readonly Dictionary<string, (string Template, Func<HostResult, string, bool> Did)> AskWhenTold = new()
    {
        ["Invoke-ArenaPodCommand"] = ("Invoke-ArenaPodCommand -Name alpha -Command true", (r, _) => r.Output.OfType<ArenaCommandResult>().Any()),
        ["Export-ArenaSshConfig"] = ("Export-ArenaSshConfig -Path (Join-Path $dir out.conf)", (_, dir) => File.Exists(Path.Combine(dir, "out.conf"))),
        ["Export-ArenaNginxConfig"] = ("Export-ArenaNginxConfig -Path (Join-Path $dir out.conf)", (_, dir) => File.Exists(Path.Combine(dir, "out.conf"))),
        ["Export-ArenaParticipantKit"] = ("Export-ArenaParticipantKit -Path (Join-Path $dir kit)", (_, dir) => Directory.Exists(Path.Combine(dir, "kit"))),
        // The status page's folder is the kit's, so the case's reset clears it too.
        ["Export-ArenaStatusPage"] = ("Export-ArenaStatusPage -Path (Join-Path $dir kit)", (_, dir) => File.Exists(Path.Combine(dir, "kit", "status.json"))),
    };

    public static IEnumerable<object[]> AskWhenToldCommands() => AskWhenTold.Keys.Select(k => new object[] { k });

    private bool RunAskWhenTold(string command, string extra, bool interactive, out HostResult result, params bool[] answers)
    {
        Seed("EXITED");
        File.Delete(Path.Combine(_fleet.Dir.Path, "out.conf"));
        if (Directory.Exists(Path.Combine(_fleet.Dir.Path, "kit"))) Directory.Delete(Path.Combine(_fleet.Dir.Path, "kit"), recursive: true);
        _prompts.Clear();
        _prompts.Answer(answers);
        result = Run(interactive ? _interactive : _unattended, AskWhenTold[command].Template, extra);
        return AskWhenTold[command].Did(result, _fleet.Dir.Path);
    }

    [Theory]
    [MemberData(nameof(AskWhenToldCommands))]
    public void Commands_that_ask_when_told_do_so_only_with_Confirm(string command)
    {
        Assert.True(RunAskWhenTold(command, "", interactive: true, out _));
        Assert.Empty(_prompts.Prompts);

        Assert.False(RunAskWhenTold(command, "-Confirm", interactive: true, out _, false));
        Assert.Single(_prompts.Prompts);

        Assert.False(RunAskWhenTold(command, "-WhatIf", interactive: true, out _));
        Assert.Empty(_prompts.Prompts);
        Assert.Contains("What if:", _prompts.Written);

        Assert.True(RunAskWhenTold(command, "", interactive: false, out var unattended));
        Assert.Empty(unattended.Output.OfType<ErrorRecord>());

        Assert.False(RunAskWhenTold(command, "-Confirm", interactive: false, out var cannotAsk));
        Assert.Equal("ConfirmationRequired", cannotAsk.CaughtErrorId);
    }

    [Fact]
    public void The_stop_question_says_the_container_disk_is_erased_and_names_the_pods_without_a_volume()
    {
        Seed("RUNNING", volumeGb: 0);
        _prompts.Clear();
        _prompts.Answer(false);
        Run(_interactive, "Stop-ArenaPod -Name alpha -AllowDataLoss", "");
        var question = Assert.Single(_prompts.Prompts);
        Assert.Contains("erases each pod's container disk", question);
        Assert.Contains("No volume at all, so every file on it is erased: camp-alpha", question);
    }

    [Fact]
    public void Stopping_a_pod_without_a_volume_needs_AllowDataLoss_beyond_Force_and_says_how_to_keep_the_work()
    {
        Seed("RUNNING", volumeGb: 0);
        var refused = Run(_unattended, "Stop-ArenaPod -Name * -Force", "");
        Assert.Equal("DataLossNotAllowed", refused.CaughtErrorId);
        Assert.StartsWith("camp-alpha, camp-bravo: no volume", refused.Caught.Exception.Message);
        Assert.Contains("Save-ArenaPodWork", refused.Caught.ErrorDetails.RecommendedAction);
        Assert.Contains("Backup-ArenaPod", refused.Caught.ErrorDetails.RecommendedAction);
        Assert.Contains("-AllowDataLoss", refused.Caught.ErrorDetails.RecommendedAction);
        Assert.False(_fleet.AnyChangeRequested());

        var stopped = Run(_unattended, "Stop-ArenaPod -Name * -Force -AllowDataLoss -PassThru", "");
        Assert.Equal(new[] { ArenaPodStatus.Stopped, ArenaPodStatus.Stopped }, stopped.Output.OfType<ArenaPod>().Select(p => p.Status));
    }

    [Fact]
    public void Pods_with_a_volume_but_the_repo_not_seen_on_it_still_need_AllowDataLoss()
    {
        Seed("RUNNING", volumeGb: 5);
        var refused = Run(_unattended, "Stop-ArenaPod -Name * -Force", "");
        Assert.Equal("DataLossNotAllowed", refused.CaughtErrorId);
        Assert.StartsWith("camp-alpha, camp-bravo: the course repo is not known to be on the volume", refused.Caught.Exception.Message);
        Assert.Contains("Initialize-ArenaPod -Name alpha, bravo", refused.Caught.ErrorDetails.RecommendedAction);
        Assert.False(_fleet.AnyChangeRequested());

        var stopped = Run(_unattended, "Stop-ArenaPod -Name * -Force -AllowDataLoss -PassThru", "");
        Assert.Empty(stopped.Output.OfType<ErrorRecord>());
        Assert.Equal(2, stopped.Output.OfType<ArenaPod>().Count());
    }
}
