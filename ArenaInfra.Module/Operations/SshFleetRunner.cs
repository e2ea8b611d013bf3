using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Ssh;

namespace ArenaInfra.Operations
{
    /// <summary>
    /// Runs blocking SSH work for many pods at once, at most throttle at a time, each on a thread of
    /// its own. SSH.NET blocks a thread for a whole handshake; on the shared thread pool, which grows
    /// slowly from one thread a core, 55 connections queue behind each other and time out.
    /// </summary>
    internal static class SshFleetRunner
    {
        public static Task RunAsync<T>(IReadOnlyList<SshTarget> targets, int throttle, CancellationToken cancellationToken,
            Func<SshTarget, CancellationToken, T> work, Action<SshTarget, T> onDone)
        {
            if (targets.Count == 0) return Task.CompletedTask;
            var workers = Math.Max(1, Math.Min(throttle, targets.Count));
            EnsureThreadPool(workers);
            var next = -1;
            var running = workers;
            var finished = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            Exception? failure = null;

            for (var w = 0; w < workers; w++)
            {
                var thread = new Thread(() =>
                {
                    try
                    {
                        int index;
                        while (!cancellationToken.IsCancellationRequested && (index = Interlocked.Increment(ref next)) < targets.Count)
                        {
                            var target = targets[index];
                            T result;
                            try
                            {
                                result = work(target, cancellationToken);
                            }
                            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                            {
                                break;
                            }
                            onDone(target, result);
                        }
                    }
                    catch (Exception e)
                    {
                        Interlocked.CompareExchange(ref failure, e, null);
                    }
                    finally
                    {
                        if (Interlocked.Decrement(ref running) == 0)
                        {
                            if (failure != null) finished.TrySetException(failure);
                            else if (cancellationToken.IsCancellationRequested) finished.TrySetCanceled();
                            else finished.TrySetResult(true);
                        }
                    }
                })
                {
                    IsBackground = true,
                    Name = "ArenaInfra SSH " + w,
                };
                thread.Start();
            }
            return finished.Task;
        }

        /// <summary>SSH.NET still uses the pool inside (socket callbacks, timers): make sure it never starves.</summary>
        private static void EnsureThreadPool(int workers)
        {
            ThreadPool.GetMinThreads(out var worker, out var io);
            var wanted = workers * 2 + 8;
            if (worker < wanted || io < wanted) ThreadPool.SetMinThreads(Math.Max(worker, wanted), Math.Max(io, wanted));
        }
    }
}
