using System;
using System.Collections.Generic;
using System.Management.Automation;

namespace ArenaInfra.Cmdlets.Base
{
    /// <summary>What a command does about confirming its batch.</summary>
    internal enum ConfirmationDecision
    {
        /// <summary>-WhatIf: say what would be done, and do nothing.</summary>
        ShowWhatIf,
        /// <summary>Go ahead without a question.</summary>
        GoAhead,
        /// <summary>Ask, but the session cannot: ConfirmationRequired, and nothing is done.</summary>
        Refuse,
        /// <summary>Ask through ShouldProcess, which prompts by itself for -Confirm or an impact at $ConfirmPreference.</summary>
        AskShouldProcess,
        /// <summary>Ask through ShouldContinue: the command's own question, whatever its ConfirmImpact.</summary>
        AskShouldContinue,
    }

    /// <summary>
    /// The one way every ArenaInfra command confirms, as a decision on plain facts, so it can be
    /// checked row by row without a session. ArenaCmdlet.ConfirmBatch reads the facts and carries it out.
    /// </summary>
    internal static class ConfirmationPolicy
    {
        /// <summary>
        /// -WhatIf only shows (even with -Force). An explicit -Confirm always asks (even with -Force).
        /// -Force and -Confirm:$false answer for the user. Otherwise a command that changes things asks
        /// (asksUnlessForced, whatever its ConfirmImpact), and any command asks when its ConfirmImpact
        /// reaches $ConfirmPreference. A session that cannot prompt is refused instead of given a prompt
        /// nobody can answer.
        /// </summary>
        /// <param name="confirm">-Confirm as bound: true for -Confirm, false for -Confirm:$false, null when not given.</param>
        /// <param name="asksUnlessForced">The command changes things, so it asks unless -Force or -Confirm:$false.</param>
        public static ConfirmationDecision Decide(bool whatIf, bool? confirm, bool force, bool asksUnlessForced,
            ConfirmImpact impact, ConfirmImpact preference, bool canPrompt)
        {
            if (whatIf) return ConfirmationDecision.ShowWhatIf;
            var impactReachesPreference = ImpactReaches(impact, preference);
            bool ask;
            if (confirm == true) ask = true;
            else if (confirm == false || force) ask = false;
            else ask = asksUnlessForced || impactReachesPreference;
            if (!ask) return ConfirmationDecision.GoAhead;
            if (!canPrompt) return ConfirmationDecision.Refuse;
            return confirm == true || impactReachesPreference ? ConfirmationDecision.AskShouldProcess : ConfirmationDecision.AskShouldContinue;
        }

        /// <summary>The command's ConfirmImpact reaches $ConfirmPreference, so ShouldProcess would prompt ($ConfirmPreference None: never).</summary>
        public static bool ImpactReaches(ConfirmImpact impact, ConfirmImpact preference) =>
            preference != ConfirmImpact.None && impact >= preference;

        /// <summary>
        /// Whether anyone can answer a prompt: not in hosts without a UI or the "Default Host" (services,
        /// runspaces of their own), and in the console host not with redirected input, -NonInteractive or
        /// without a user session (scheduled tasks). Other hosts (an IDE's) can.
        /// </summary>
        public static bool CanPrompt(string? hostName, bool hostHasUi, bool inputRedirected, IEnumerable<string> commandLine, bool userInteractive)
        {
            if (!hostHasUi || hostName == "Default Host") return false;
            if (hostName != "ConsoleHost") return true;
            if (inputRedirected) return false;
            foreach (var arg in commandLine)
            {
                if (arg.StartsWith("-noni", StringComparison.OrdinalIgnoreCase)) return false;
            }
            return userInteractive;
        }
    }
}
