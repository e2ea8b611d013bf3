using System;
using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Management.Automation;
using ArenaInfra.Common;

namespace ArenaInfra.Cmdlets.Base
{
    /// <summary>
    /// ArenaExceptions as the ErrorRecords a user sees (stable ids, advice, terminal-safe text), a
    /// batch's per-pod errors and its closing summary.
    /// </summary>
    public abstract partial class ArenaCmdlet
    {
        protected void WriteArenaError(ArenaException error, object? target = null) => WriteError(ToErrorRecord(error, target, AdviceShown));

        /// <summary>Stops the cmdlet with the error's record (a new error found here; a caught one goes through Terminating).</summary>
        [DoesNotReturn]
        protected void ThrowArenaError(ArenaException error, object? target = null)
        {
            ThrowTerminatingError(ToErrorRecord(error, target, AdviceShown));
            throw error; // not reached: ThrowTerminatingError always throws
        }

        /// <summary>
        /// Stops the cmdlet with a caught error's record, as ThrowArenaError does: it never returns. It is
        /// declared to return an exception so that a catch reads
        /// <c>catch (ArenaException e) { throw Terminating(e); }</c> and the compiler sees the catch end there.
        /// </summary>
        [DoesNotReturn]
        protected Exception Terminating(ArenaException error, object? target = null)
        {
            ThrowArenaError(error, target);
            return error; // not reached
        }

        /// <summary>A per-pod error whose message starts with the pod's name, so a batch's errors say which pod.</summary>
        internal void WritePodError(ArenaException error, string podName, object? target)
        {
            if (!error.Message.StartsWith(podName + ":", StringComparison.Ordinal))
            {
                error = new ArenaException(error.ErrorId, error.Category, $"{podName}: {error.Message}", error.RecommendedAction, error, error.Target) { HttpStatus = error.HttpStatus };
            }
            WriteError(ToErrorRecord(error, target, AdviceShown));
        }

        /// <summary>
        /// A batch's closing count. When something failed it is shown (tagged PSHOST, as Write-Host is),
        /// since a failure a user does not see is a failure twice; otherwise only -Verbose shows it. Either
        /// way scripts get the typed summary with -InformationVariable.
        /// </summary>
        internal void WriteSummary(object summary, bool anyFailed)
        {
            var tags = anyFailed ? new[] { "PSHOST", "ArenaInfra", "Summary" } : new[] { "ArenaInfra", "Summary" };
            WriteInformation(summary, tags);
            WriteVerbose(summary.ToString());
        }

        /// <summary>
        /// The error a user sees. Only PowerShell 7.4 and later, in its ConciseView, show an error's
        /// RecommendedAction; elsewhere (Windows PowerShell 5.1, NormalView) the advice goes into the
        /// message itself, so nobody is left with a problem and no way out.
        /// </summary>
        internal static ErrorRecord ToErrorRecord(ArenaException error, object? target, bool adviceShown = true)
        {
            var record = new ErrorRecord(error, error.ErrorId, error.Category, target ?? error.Target);
            var advice = error.RecommendedAction ?? "";
            var message = adviceShown || advice.Length == 0 ? error.Message : $"{error.Message.TrimEnd()} {advice}";
            record.ErrorDetails = new ErrorDetails(message) { RecommendedAction = advice };
            return TerminalSafe(record);
        }

        /// <summary>
        /// An error as it may be shown: its message, advice and target name through TerminalText (a pod's
        /// name or output in them cannot drive the terminal). The exception keeps its own message.
        /// </summary>
        internal static ErrorRecord TerminalSafe(ErrorRecord record)
        {
            var message = record.ErrorDetails?.Message ?? record.Exception?.Message ?? "";
            var advice = record.ErrorDetails?.RecommendedAction;
            if (!TerminalText.IsSafe(message) || !TerminalText.IsSafe(advice))
            {
                record.ErrorDetails = new ErrorDetails(TerminalText.Safe(message)) { RecommendedAction = TerminalText.Safe(advice) };
            }
            var targetName = record.CategoryInfo.TargetName;
            if (!TerminalText.IsSafe(targetName) || targetName.IndexOf('\n') >= 0) record.CategoryInfo.TargetName = TerminalText.SafeLine(targetName);
            return record;
        }

        /// <summary>Whether this host shows RecommendedAction by itself: PowerShell 7.4 or later with $ErrorView ConciseView (its default).</summary>
        internal bool AdviceShown
        {
            get
            {
                var version = (SessionState?.PSVariable.GetValue("PSVersionTable") as Hashtable)?["PSVersion"] as Version
                    ?? ((SessionState?.PSVariable.GetValue("PSVersionTable") as Hashtable)?["PSVersion"] is object v && Version.TryParse(v.ToString().Split('-')[0], out var parsed) ? parsed : null);
                if (version == null || version < new Version(7, 4)) return false;
                var view = SessionState?.PSVariable.GetValue("ErrorView")?.ToString();
                return string.IsNullOrEmpty(view) || string.Equals(view, "ConciseView", StringComparison.OrdinalIgnoreCase);
            }
        }
    }
}
