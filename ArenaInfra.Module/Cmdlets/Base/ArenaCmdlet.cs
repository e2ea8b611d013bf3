using System;
using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Runtime.InteropServices;
using System.Threading;
using ArenaInfra.Common;

namespace ArenaInfra.Cmdlets.Base
{
    /// <summary>
    /// What every ArenaInfra cmdlet shares: Ctrl+C cancels a token that all work observes, work runs
    /// off the pipeline thread while its Verbose/Debug/Warning messages are written from it, and
    /// ArenaExceptions become ErrorRecords with their stable ids. One file a job: this one holds
    /// cancellation, the streams and the User-Agent; ArenaCmdlet.Pump (off-thread work), .Batch
    /// (parallel batches and their progress bar), .Confirm (the confirmation policy) and .Errors
    /// (error records and summaries) the rest.
    /// </summary>
    public abstract partial class ArenaCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _cancellation = new CancellationTokenSource();
        private readonly QueuedLog _log = new QueuedLog();

        protected ArenaCmdlet()
        {
            // Before any code of the command runs, so it is bound to our copies of the libraries.
            if (!(this is INeedsNoLibraries)) DependencyResolver.LoadLibraries();
        }

        protected CancellationToken CancellationToken => _cancellation.Token;

        /// <summary>The log work off the pipeline thread writes to; the pump writes it out from the pipeline thread.</summary>
        internal IArenaLog Log => _log;

        /// <summary>The key the session default config is kept under: this runspace.</summary>
        protected static object SessionKey => (object?)Runspace.DefaultRunspace ?? typeof(ArenaCmdlet);

        protected override void StopProcessing()
        {
            _cancellation.Cancel();
        }

        // Everything this module writes to the user's streams goes through TerminalText: these hide the
        // base methods, so a command written later cannot forget it.
        internal new void WriteWarning(string text) => base.WriteWarning(TerminalText.Safe(text));

        internal new void WriteVerbose(string text) => base.WriteVerbose(TerminalText.Safe(text));

        internal new void WriteDebug(string text) => base.WriteDebug(TerminalText.Safe(text));

        internal new void WriteError(ErrorRecord record) => base.WriteError(TerminalSafe(record));

        [DoesNotReturn]
        internal new void ThrowTerminatingError(ErrorRecord record)
        {
            base.ThrowTerminatingError(TerminalSafe(record));
            throw new PipelineStoppedException(); // not reached: ThrowTerminatingError always throws
        }

        internal new void WriteProgress(ProgressRecord record)
        {
            if (TerminalText.IsSafe(record.Activity + record.StatusDescription + record.CurrentOperation)) base.WriteProgress(record);
            else base.WriteProgress(new ProgressRecord(record.ActivityId, TerminalText.SafeLine(record.Activity), TerminalText.SafeLine(record.StatusDescription))
            {
                CurrentOperation = record.CurrentOperation == null ? null : TerminalText.SafeLine(record.CurrentOperation),
                PercentComplete = record.PercentComplete,
                RecordType = record.RecordType,
                ParentActivityId = record.ParentActivityId,
                SecondsRemaining = record.SecondsRemaining,
            });
        }

        /// <summary>'ArenaInfra/0.1.0 (Linux 6.1; PowerShell 7.6.9)': RunPod's edge refuses requests without a proper one.</summary>
        protected string UserAgent
        {
            get
            {
                var version = typeof(ArenaCmdlet).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
                var psVersion = (SessionState?.PSVariable.GetValue("PSVersionTable") as Hashtable)?["PSVersion"]?.ToString() ?? "unknown";
                return $"ArenaInfra/{version} ({RuntimeInformation.OSDescription.Trim()}; PowerShell {psVersion})";
            }
        }

        public void Dispose()
        {
            _cancellation.Dispose();
            _log.Dispose();
            GC.SuppressFinalize(this);
        }
    }
}
