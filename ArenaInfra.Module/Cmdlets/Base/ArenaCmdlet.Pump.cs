using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;

namespace ArenaInfra.Cmdlets.Base
{
    /// <summary>
    /// Work off the pipeline thread. PowerShell lets only the pipeline thread write to the streams, and
    /// Ctrl+C must get through while work waits on the network, so work runs on the thread pool and the
    /// pipeline thread pumps: it writes the work's log lines and runs the actions workers post, until
    /// the work is done. A failure comes back as the work's own exception; CallRunPod (ArenaApiCmdlet)
    /// and Terminating make it stop the cmdlet where that is what the caller wants.
    /// </summary>
    public abstract partial class ArenaCmdlet
    {
        /// <summary>
        /// Runs async work to completion, writing its log from this (the pipeline) thread meanwhile.
        /// Ctrl+C cancels the work's token and ends the pipeline.
        /// </summary>
        protected T Run<T>(Func<CancellationToken, Task<T>> work)
        {
            var task = Task.Run(() => work(_cancellation.Token));
            Pump(task);
            try
            {
                return task.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
        }

        /// <summary>Runs blocking work off the pipeline thread (so Ctrl+C and log lines still get through), as Run does.</summary>
        internal T RunWork<T>(Func<CancellationToken, T> work) => Run(token => Task.Run(() => work(token), token));

        /// <summary>Queues work for the pipeline thread (WriteObject, WriteError, ...) from any thread.</summary>
        internal void Post(Action action) => _log.Post(action);

        /// <summary>
        /// Writes what the work queued until the task is done, waking for each message and at least every
        /// quarter second (then eachRound runs, for a progress bar), and once more after it.
        /// </summary>
        private void Pump(Task task, Action? eachRound = null)
        {
            var handles = new[] { ((IAsyncResult)task).AsyncWaitHandle, _log.Signal };
            while (!task.IsCompleted)
            {
                WaitHandle.WaitAny(handles, 250);
                DrainLog();
                eachRound?.Invoke();
            }
            DrainLog();
        }

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
