using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;

namespace ArenaInfra.Cmdlets.Base
{
    /// <summary>
    /// What every ArenaInfra cmdlet shares: Ctrl+C cancels a token that all work observes, work runs
    /// off the pipeline thread while its Verbose/Debug/Warning messages are written from it, and
    /// ArenaExceptions become ErrorRecords with their stable ids.
    /// </summary>
    public abstract class ArenaCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _cancellation = new CancellationTokenSource();
        private readonly QueuedLog _log = new QueuedLog();

        protected CancellationToken CancellationToken => _cancellation.Token;

        internal IArenaLog Log => _log;

        /// <summary>The key the session default config is kept under: this runspace.</summary>
        protected static object SessionKey => (object?)Runspace.DefaultRunspace ?? typeof(ArenaCmdlet);

        protected override void StopProcessing()
        {
            _cancellation.Cancel();
            StoppingNested?.Invoke();
        }

        /// <summary>Ctrl+C reaches a command this one runs in its own session too (Start-ArenaPod's replacement).</summary>
        internal System.Action? StoppingNested { get; set; }

        /// <summary>Runs async work to completion, writing its log from this (the pipeline) thread meanwhile.</summary>
        protected T Run<T>(Func<CancellationToken, Task<T>> work)
        {
            var task = Task.Run(() => work(_cancellation.Token));
            var handles = new[] { ((IAsyncResult)task).AsyncWaitHandle, _log.Signal };
            while (!task.IsCompleted)
            {
                WaitHandle.WaitAny(handles, 250);
                DrainLog();
            }
            DrainLog();
            try
            {
                return task.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
        }

        /// <summary>Runs blocking work off the pipeline thread (so Ctrl+C and log lines still get through).</summary>
        internal T RunWork<T>(Func<CancellationToken, T> work) => Run(token => Task.Run(() => work(token), token));

        /// <summary>Queues work for the pipeline thread (WriteObject, WriteError, ...) from any thread.</summary>
        internal void Post(Action action) => _log.Post(action);

        /// <summary>Writes what workers queued: log lines and posted actions, in order.</summary>
        protected void DrainLog()
        {
            while (_log.TryTakeAction(out var action)) action();
            while (_log.TryTake(out var entry))
            {
                switch (entry.Kind)
                {
                    case LogKind.Verbose: WriteVerbose(entry.Message); break;
                    case LogKind.Debug: WriteDebug(entry.Message); break;
                    default: WriteWarning(entry.Message); break;
                }
            }
        }

        /// <summary>
        /// Runs work for every item, at most throttle at once. Each item's result or error is handled on
        /// the pipeline thread as soon as that item finishes, with a progress bar over the batch.
        /// </summary>
        internal void RunEach<TItem, TResult>(IReadOnlyList<TItem> items, int throttle, string activity,
            Func<TItem, CancellationToken, Task<TResult>> work, Action<TItem, TResult> onResult, Action<TItem, ArenaException> onError)
        {
            if (items.Count == 0) return;
            var token = _cancellation.Token;
            using var gate = new SemaphoreSlim(Math.Max(1, throttle));
            var finished = 0;
            var tasks = new List<Task>(items.Count);
            foreach (var item in items)
            {
                tasks.Add(Task.Run(async () =>
                {
                    try
                    {
                        await gate.WaitAsync(token).ConfigureAwait(false);
                        try
                        {
                            var result = await work(item, token).ConfigureAwait(false);
                            Post(() => onResult(item, result));
                        }
                        finally
                        {
                            gate.Release();
                        }
                    }
                    catch (ArenaException e)
                    {
                        Post(() => onError(item, e));
                    }
                    catch (OperationCanceledException) when (token.IsCancellationRequested)
                    {
                    }
                    catch (Exception e)
                    {
                        // A bug or an unexpected failure for one item must not take the batch down.
                        Post(() => onError(item, new ArenaException(ArenaErrorIds.PodOperationFailed, ErrorCategory.NotSpecified,
                            $"{item}: {activity} failed: {e.Message}", "Run the command again with -Verbose; report it if it persists.", e)));
                    }
                    finally
                    {
                        Interlocked.Increment(ref finished);
                        _log.Post(() => { });
                    }
                }));
            }

            var all = Task.WhenAll(tasks);
            var progress = new ProgressRecord(ActivityId(activity), activity, $"0 of {items.Count} done") { PercentComplete = 0 };
            // At once, not when the first item finishes.
            WriteProgress(Snapshot(progress));
            var shown = 0;
            while (!all.IsCompleted)
            {
                WaitHandle.WaitAny(new[] { ((IAsyncResult)all).AsyncWaitHandle, _log.Signal }, 250);
                DrainLog();
                var done = Volatile.Read(ref finished);
                if (done != shown)
                {
                    shown = done;
                    progress.StatusDescription = $"{done} of {items.Count} done";
                    progress.PercentComplete = done * 100 / items.Count;
                    WriteProgress(Snapshot(progress));
                }
            }
            DrainLog();
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
            if (token.IsCancellationRequested) throw new PipelineStoppedException();
        }

        /// <summary>A copy to write: a host may keep the records it is given, and ours change as the work goes on.</summary>
        internal static ProgressRecord Snapshot(ProgressRecord p) => new ProgressRecord(p.ActivityId, p.Activity, p.StatusDescription)
        {
            CurrentOperation = p.CurrentOperation,
            PercentComplete = p.PercentComplete,
            RecordType = p.RecordType,
        };

        internal static int ActivityId(string activity) => Math.Abs(activity.GetHashCode() % 100000) + 1;

        /// <summary>
        /// The one way every ArenaInfra command confirms: once for the whole batch.
        /// -WhatIf only shows (even with -Force). An explicit -Confirm always asks (even with -Force).
        /// -Force and -Confirm:$false answer for the user. Otherwise a command that changes things asks
        /// (askUnlessForced; ShouldContinue-style, whatever its ConfirmImpact), and any command asks when
        /// its ConfirmImpact reaches $ConfirmPreference. A session that cannot prompt gets
        /// ConfirmationRequired instead of a prompt nobody can answer.
        /// </summary>
        /// <param name="action">What would be done, for -WhatIf and -Verbose ("Stop 3 pods: ...").</param>
        /// <param name="question">The question asked ("Stop 3 pods ...? Their container disks are erased.").</param>
        /// <param name="caption">The prompt's title.</param>
        /// <param name="force">The command's -Force: it answers for the user unless -Confirm is explicit.</param>
        /// <param name="askUnlessForced">Whether the command changes things, and so asks whatever its ConfirmImpact.</param>
        internal bool ConfirmBatch(string action, string question, string caption, bool force, bool askUnlessForced = true)
        {
            if (WhatIfRequested)
            {
                ShouldProcess(action, question, caption);
                return false;
            }
            var explicitConfirm = MyInvocation.BoundParameters.TryGetValue("Confirm", out var c) ? ((SwitchParameter)c).IsPresent : (bool?)null;
            bool ask;
            if (explicitConfirm == true) ask = true;
            else if (explicitConfirm == false || force) ask = false;
            else ask = askUnlessForced || ImpactReachesPreference;
            if (!ask)
            {
                WriteVerbose($"Performing: {action}");
                return true;
            }
            if (!CanPrompt) ThrowArenaError(ConfirmationRequired(action));
            try
            {
                // ShouldProcess prompts itself when -Confirm is given or the impact reaches the preference;
                // otherwise the question is ours to ask.
                if (explicitConfirm == true || ImpactReachesPreference) return ShouldProcess(action, question, caption);
                return ShouldContinue(question, caption);
            }
            catch (Exception e) when (e is PSInvalidOperationException || e is System.Management.Automation.Host.HostException || e is NotImplementedException)
            {
                ThrowArenaError(ConfirmationRequired(action));
                throw;
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

        /// <summary>This command's ConfirmImpact reaches $ConfirmPreference, so ShouldProcess would prompt.</summary>
        private bool ImpactReachesPreference
        {
            get
            {
                var impact = ((CmdletAttribute?)Attribute.GetCustomAttribute(GetType(), typeof(CmdletAttribute)))?.ConfirmImpact ?? ConfirmImpact.Medium;
                var preference = SessionState.PSVariable.GetValue("ConfirmPreference") is ConfirmImpact p ? p : ConfirmImpact.High;
                return preference != ConfirmImpact.None && impact >= preference;
            }
        }

        /// <summary>False for -NonInteractive, redirected input, and hosts without a console (scheduled tasks, services).</summary>
        private bool CanPrompt
        {
            get
            {
                if (Host?.UI == null || Host.Name == "Default Host") return false;
                if (Host.Name != "ConsoleHost") return true;
                if (Console.IsInputRedirected) return false;
                foreach (var arg in Environment.GetCommandLineArgs())
                {
                    if (arg.StartsWith("-noni", StringComparison.OrdinalIgnoreCase)) return false;
                }
                return Environment.UserInteractive;
            }
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

        protected void WriteArenaError(ArenaException error, object? target = null) => WriteError(ToErrorRecord(error, target, AdviceShown));

        [DoesNotReturn]
        protected void ThrowArenaError(ArenaException error, object? target = null)
        {
            ThrowTerminatingError(ToErrorRecord(error, target, AdviceShown));
            throw error; // not reached: ThrowTerminatingError always throws
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

        private enum LogKind
        {
            Verbose,
            Debug,
            Warning,
        }

        /// <summary>A log any thread may write to; the pipeline thread drains it.</summary>
        private sealed class QueuedLog : IArenaLog, IDisposable
        {
            private readonly ConcurrentQueue<(LogKind Kind, string Message)> _queue = new ConcurrentQueue<(LogKind, string)>();
            private readonly AutoResetEvent _signal = new AutoResetEvent(false);

            public WaitHandle Signal => _signal;

            public void Verbose(string message) => Add(LogKind.Verbose, message);
            public void Debug(string message) => Add(LogKind.Debug, message);
            public void Warning(string message) => Add(LogKind.Warning, message);

            private readonly ConcurrentQueue<Action> _actions = new ConcurrentQueue<Action>();

            public bool TryTake(out (LogKind Kind, string Message) entry) => _queue.TryDequeue(out entry);

            public bool TryTakeAction(out Action action) => _actions.TryDequeue(out action);

            public void Post(Action action)
            {
                _actions.Enqueue(action);
                _signal.Set();
            }

            private void Add(LogKind kind, string message)
            {
                _queue.Enqueue((kind, message));
                _signal.Set();
            }

            public void Dispose() => _signal.Dispose();
        }
    }
}
