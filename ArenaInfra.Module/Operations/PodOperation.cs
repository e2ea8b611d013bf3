using System;
using System.Diagnostics;
using System.Threading;
using ArenaInfra.Ssh;

namespace ArenaInfra.Operations
{
    /// <summary>
    /// The one shape of work done on one pod over SSH: every SSH cmdlet is a PodOperation run by
    /// PodOperationRunner. The operation says what to do over an open connection; the runner and this
    /// base do the rest the same way for every command: one result per pod, always, whether the pod
    /// was worked on, could not be reached, or is not running.
    /// </summary>
    internal abstract class PodOperation<TResult> where TResult : ArenaPodOperationResult, new()
    {
        /// <summary>The progress bar's title, such as "Testing pods".</summary>
        public abstract string Activity { get; }

        /// <summary>How long one step (one remote command) may take.</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>The work on one pod, over its open connection. False when a step failed (recorded on the result).</summary>
        protected abstract bool Work(PodSession pod, TResult result);

        /// <summary>Connects, works, and returns the result; never throws but for cancellation.</summary>
        public TResult Run(SshTarget target, SshSettings settings, CancellationToken cancellation)
        {
            var clock = Stopwatch.StartNew();
            var result = NewResult(target.Pod);
            result.Endpoint = target.Endpoint;
            var pool = settings.Sessions;
            try
            {
                if (pool == null)
                {
                    using var connection = SshPodConnection.Open(target, settings, cancellation);
                    result.Succeeded = Work(new PodSession(target, connection, result, Timeout, cancellation, settings.Log), result);
                }
                else
                {
                    // A kept session: the pool closes it, and reconnects it when it was lost.
                    var connection = pool.Lease(target, settings, cancellation);
                    try
                    {
                        result.Succeeded = Work(new PodSession(target, connection, result, Timeout, cancellation, settings.Log), result);
                    }
                    catch (SshStageException e) when (e.ErrorId == ArenaErrorIds.SshConnectionLost)
                    {
                        pool.Lost(target, settings);
                        throw SshSessionPool.Reconnecting(target);
                    }
                }
            }
            catch (SshStageException e)
            {
                Failed(result, e.Stage.ToString(), e.ErrorId, e.Message);
            }
            catch (Exception e) when (!(e is OperationCanceledException))
            {
                // One pod's surprise must not end the run for the others.
                Failed(result, "Unexpected", ArenaErrorIds.SshOperationFailed, e.Message);
            }
            result.Duration = clock.Elapsed;
            return result;
        }

        /// <summary>The result for a pod that was not contacted: not running, or no address to reach it at.</summary>
        public TResult NotContacted(ArenaPod pod, string step, string errorId, string error)
        {
            var result = NewResult(pod);
            Failed(result, step, errorId, error);
            return result;
        }

        /// <summary>Records a failure that happened outside the operation's own steps (connecting, a stopped pod).</summary>
        protected virtual void Failed(TResult result, string step, string errorId, string error)
        {
            result.Succeeded = false;
            result.FailedStep ??= step;
            result.ErrorId ??= errorId;
            result.Error ??= error;
        }

        private static TResult NewResult(ArenaPod pod) => new TResult { Name = pod.Name, MachineName = pod.MachineName, PodId = pod.Id };
    }
}
