using System;
using System.Management.Automation;

namespace ArenaInfra.Cmdlets.Base
{
    /// <summary>Confirming a batch: the facts this session gives, decided by ConfirmationPolicy, carried out here.</summary>
    public abstract partial class ArenaCmdlet
    {
        /// <summary>
        /// The one way every ArenaInfra command confirms: once for the whole batch, by ConfirmationPolicy.
        /// A session that cannot prompt, or a host whose prompt fails, gets ConfirmationRequired.
        /// </summary>
        /// <param name="action">What would be done, for -WhatIf and -Verbose ("Stop 3 pods: ...").</param>
        /// <param name="question">The question asked ("Stop 3 pods ...? Their container disks are erased.").</param>
        /// <param name="askUnlessForced">The command changes things: it asks unless -Force or -Confirm:$false, whatever its ConfirmImpact.</param>
        /// <param name="impact">This batch's impact when it is lower than the Cmdlet attribute's (a switch such as -Hard raises it to the attribute's); never higher, since ShouldProcess prompts by the attribute's.</param>
        internal bool ConfirmBatch(string action, string question, string caption, bool force, bool askUnlessForced = true, ConfirmImpact? impact = null)
        {
            var confirm = MyInvocation.BoundParameters.TryGetValue("Confirm", out var c) ? ((SwitchParameter)c).IsPresent : (bool?)null;
            var decision = ConfirmationPolicy.Decide(WhatIfRequested, confirm, force, askUnlessForced, impact ?? DeclaredImpact, SessionConfirmPreference, CanPrompt);
            switch (decision)
            {
                case ConfirmationDecision.ShowWhatIf:
                    ShouldProcess(action, question, caption);
                    return false;
                case ConfirmationDecision.GoAhead:
                    WriteVerbose($"Performing: {action}");
                    return true;
                case ConfirmationDecision.Refuse:
                    throw Terminating(ConfirmationRequired(action));
            }
            try
            {
                return decision == ConfirmationDecision.AskShouldProcess ? ShouldProcess(action, question, caption) : ShouldContinue(question, caption);
            }
            catch (Exception e) when (e is PSInvalidOperationException || e is System.Management.Automation.Host.HostException || e is NotImplementedException)
            {
                throw Terminating(ConfirmationRequired(action));
            }
        }

        private static ArenaException ConfirmationRequired(string what) =>
            new ArenaException(ArenaErrorIds.ConfirmationRequired, ErrorCategory.InvalidOperation,
                $"This needs confirmation, but the session cannot ask for it, so nothing was done: {what}",
                "Add -Force (or -Confirm:$false) to go ahead without a prompt, as scheduled scripts should; -WhatIf shows what would happen.");

        internal bool WhatIfRequested =>
            MyInvocation.BoundParameters.TryGetValue("WhatIf", out var w) ? ((SwitchParameter)w).IsPresent
                : SessionState.PSVariable.GetValue("WhatIfPreference") is SwitchParameter s ? s.IsPresent
                : SessionState.PSVariable.GetValue("WhatIfPreference") is bool b && b;

        /// <summary>This command's ConfirmImpact, as its Cmdlet attribute declares it.</summary>
        private ConfirmImpact DeclaredImpact =>
            ((CmdletAttribute?)Attribute.GetCustomAttribute(GetType(), typeof(CmdletAttribute)))?.ConfirmImpact ?? ConfirmImpact.Medium;

        /// <summary>$ConfirmPreference, High when unset as in PowerShell.</summary>
        private ConfirmImpact SessionConfirmPreference =>
            SessionState.PSVariable.GetValue("ConfirmPreference") is ConfirmImpact p ? p : ConfirmImpact.High;

        /// <summary>False for -NonInteractive, redirected input, and hosts without a console (scheduled tasks, services).</summary>
        private bool CanPrompt =>
            ConfirmationPolicy.CanPrompt(Host?.Name, Host?.UI != null, Console.IsInputRedirected, Environment.GetCommandLineArgs(), Environment.UserInteractive);
    }
}
