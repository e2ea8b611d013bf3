using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;
using Xunit;
using static ArenaInfra.Cmdlets.Base.ConfirmationDecision;

namespace ArenaInfra.Tests;

/// <summary>
/// The confirmation policy row by row, without a session: what ConfirmationTests checks per command
/// through a host, here for every combination that decides something.
/// </summary>
public sealed class ConfirmationPolicyTests
{
    private const ConfirmImpact None = ConfirmImpact.None;
    private const ConfirmImpact Low = ConfirmImpact.Low;
    private const ConfirmImpact Medium = ConfirmImpact.Medium;
    private const ConfirmImpact High = ConfirmImpact.High;

    [Theory]
    // -WhatIf only shows: even with -Force, with -Confirm, or where nobody could answer.
    [InlineData(true, null, true, true, Medium, High, true, ShowWhatIf)]
    [InlineData(true, true, false, true, Medium, High, true, ShowWhatIf)]
    [InlineData(true, null, false, false, High, Low, false, ShowWhatIf)]
    // An explicit -Confirm always asks, through ShouldProcess: even with -Force, even for a command that asks only when told.
    [InlineData(false, true, true, true, Medium, High, true, AskShouldProcess)]
    [InlineData(false, true, false, false, Low, High, true, AskShouldProcess)]
    [InlineData(false, true, false, false, Low, None, true, AskShouldProcess)]
    // ... and a session that cannot prompt is refused rather than asked.
    [InlineData(false, true, true, true, Medium, High, false, Refuse)]
    // -Confirm:$false answers for the user: unattended, and whatever the impact.
    [InlineData(false, false, false, true, Medium, High, false, GoAhead)]
    [InlineData(false, false, false, false, High, Low, true, GoAhead)]
    // -Force answers for the user as well.
    [InlineData(false, null, true, true, Medium, High, false, GoAhead)]
    [InlineData(false, null, true, true, High, High, true, GoAhead)]
    [InlineData(false, null, true, false, High, Low, false, GoAhead)]
    // A command that changes things asks its own question (ShouldContinue), whatever its ConfirmImpact...
    [InlineData(false, null, false, true, Medium, High, true, AskShouldContinue)]
    [InlineData(false, null, false, true, Low, Medium, true, AskShouldContinue)]
    [InlineData(false, null, false, true, High, None, true, AskShouldContinue)]
    // ... through ShouldProcess when its impact reaches $ConfirmPreference (which then prompts by itself)...
    [InlineData(false, null, false, true, High, High, true, AskShouldProcess)]
    [InlineData(false, null, false, true, Medium, Low, true, AskShouldProcess)]
    // ... and a session that cannot prompt gets ConfirmationRequired.
    [InlineData(false, null, false, true, Medium, High, false, Refuse)]
    [InlineData(false, null, false, true, High, High, false, Refuse)]
    // A command that asks only when told goes ahead below $ConfirmPreference, unattended too...
    [InlineData(false, null, false, false, Medium, High, true, GoAhead)]
    [InlineData(false, null, false, false, Low, Medium, true, GoAhead)]
    [InlineData(false, null, false, false, Medium, High, false, GoAhead)]
    [InlineData(false, null, false, false, High, None, true, GoAhead)]
    [InlineData(false, null, false, false, High, None, false, GoAhead)]
    // ... and asks through ShouldProcess at or above it, or is refused where nobody can answer.
    [InlineData(false, null, false, false, Medium, Medium, true, AskShouldProcess)]
    [InlineData(false, null, false, false, High, Low, true, AskShouldProcess)]
    [InlineData(false, null, false, false, High, Low, false, Refuse)]
    public void Decides(bool whatIf, bool? confirm, bool force, bool asksUnlessForced, ConfirmImpact impact, ConfirmImpact preference, bool canPrompt, object expected)
    {
        // object, not ConfirmationDecision: the enum is internal and a public test method cannot name it.
        Assert.Equal((ConfirmationDecision)expected, ConfirmationPolicy.Decide(whatIf, confirm, force, asksUnlessForced, impact, preference, canPrompt));
    }

    [Theory]
    [InlineData(Low, Low, true)]
    [InlineData(Medium, Low, true)]
    [InlineData(Medium, Medium, true)]
    [InlineData(Medium, High, false)]
    [InlineData(High, High, true)]
    [InlineData(Low, Medium, false)]
    [InlineData(High, None, false)]
    [InlineData(None, None, false)]
    public void An_impact_reaches_the_preference_at_or_above_it_and_never_None(ConfirmImpact impact, ConfirmImpact preference, bool expected)
    {
        Assert.Equal(expected, ConfirmationPolicy.ImpactReaches(impact, preference));
    }

    [Theory]
    [InlineData(null, false, false, "", true, false)]
    [InlineData("ConsoleHost", false, false, "", true, false)]
    [InlineData("Default Host", true, false, "", true, false)]
    [InlineData("Visual Studio Code Host", true, true, "-NonInteractive", false, true)]
    [InlineData("ConsoleHost", true, false, "pwsh -NoProfile", true, true)]
    [InlineData("ConsoleHost", true, true, "pwsh", true, false)]
    [InlineData("ConsoleHost", true, false, "pwsh -NonInteractive -File job.ps1", true, false)]
    [InlineData("ConsoleHost", true, false, "pwsh -noni -c x", true, false)]
    [InlineData("ConsoleHost", true, false, "pwsh -NoProfile", false, false)]
    public void Only_a_session_someone_can_answer_can_prompt(string? hostName, bool hostHasUi, bool inputRedirected, string commandLine, bool userInteractive, bool expected)
    {
        var args = commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(expected, ConfirmationPolicy.CanPrompt(hostName, hostHasUi, inputRedirected, args, userInteractive));
    }
}
