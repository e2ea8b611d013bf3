using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace ArenaInfra.Commands
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

        protected override void StopProcessing() => _cancellation.Cancel();

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

        protected void DrainLog()
        {
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

        internal static ErrorRecord ToErrorRecord(ArenaException error, object? target)
        {
            var record = new ErrorRecord(error, error.ErrorId, error.Category, target ?? error.Target);
            record.ErrorDetails = new ErrorDetails(error.Message) { RecommendedAction = error.RecommendedAction ?? "" };
            return record;
        }

        protected void WriteArenaError(ArenaException error, object? target = null) => WriteError(ToErrorRecord(error, target));

        [DoesNotReturn]
        protected void ThrowArenaError(ArenaException error, object? target = null)
        {
            ThrowTerminatingError(ToErrorRecord(error, target));
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

            public bool TryTake(out (LogKind Kind, string Message) entry) => _queue.TryDequeue(out entry);

            private void Add(LogKind kind, string message)
            {
                _queue.Enqueue((kind, message));
                _signal.Set();
            }

            public void Dispose() => _signal.Dispose();
        }
    }
}
