using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;

namespace ArenaInfra.Cmdlets.Base
{
    /// <summary>
    /// Work on many items at once. RunEach is the batch itself; PodCmdlet.ActOnEach (RunPod calls per
    /// pod) and SshFleetCmdlet.RunOperation (SSH work per pod) build on it or beside it, and every batch,
    /// Wait-ArenaPod's too, shows its progress through the one BatchProgress.
    /// </summary>
    public abstract partial class ArenaCmdlet
    {
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
                        // Wakes the pump, so the bar moves when an item ends with nothing to write.
                        Post(() => { });
                    }
                }));
            }

            var progress = new BatchProgress(WriteProgress, activity, items.Count);
            progress.Show(0);
            var shown = 0;
            Pump(Task.WhenAll(tasks), () =>
            {
                var done = Volatile.Read(ref finished);
                if (done == shown) return;
                shown = done;
                progress.Show(done);
            });
            progress.Complete();
            if (token.IsCancellationRequested) throw new PipelineStoppedException();
        }

        /// <summary>
        /// A batch's progress bar: "3 of 10 done" and its percentage, and, when given the items' names,
        /// the ones still at work. Shown at once by Show(0), not when the first item finishes; written
        /// only from the pipeline thread.
        /// </summary>
        internal sealed class BatchProgress
        {
            private readonly Action<ProgressRecord> _write;
            private readonly ProgressRecord _record;
            private readonly int _total;
            private readonly string _doneWord;
            private readonly SortedSet<string>? _atWork;
            private int _done;

            /// <param name="write">The cmdlet's WriteProgress.</param>
            /// <param name="doneWord">What a finished item is: "done", or "ready" for pods waited on.</param>
            /// <param name="atWork">The items' names, to show those still at work (SSH batches).</param>
            public BatchProgress(Action<ProgressRecord> write, string activity, int total, string doneWord = "done", IEnumerable<string>? atWork = null)
            {
                _write = write;
                _total = total;
                _doneWord = doneWord;
                _atWork = atWork == null ? null : new SortedSet<string>(atWork, StringComparer.Ordinal);
                _record = new ProgressRecord(ActivityId(activity), activity, Status(0));
            }

            /// <summary>Shows done of the total.</summary>
            public void Show(int done)
            {
                _done = done;
                _record.StatusDescription = Status(done);
                if (_atWork != null) _record.CurrentOperation = StillAtWork(_atWork);
                _record.PercentComplete = done * 100 / Math.Max(1, _total);
                _write(Snapshot(_record));
            }

            /// <summary>Shows one more item done, and no longer at work.</summary>
            public void Finished(string name)
            {
                _atWork?.Remove(name);
                Show(_done + 1);
            }

            /// <summary>Takes the bar down.</summary>
            public void Complete()
            {
                _record.RecordType = ProgressRecordType.Completed;
                _write(_record);
            }

            private string Status(int done) => $"{done} of {_total} {_doneWord}";

            /// <summary>"still at work: alpha, bravo, charlie and 12 more".</summary>
            internal static string StillAtWork(IReadOnlyCollection<string> names) =>
                names.Count == 0 ? "" : "still at work: " + string.Join(", ", names.Take(5)) + (names.Count > 5 ? $" and {names.Count - 5} more" : "");

            /// <summary>A copy to write: a host may keep the records it is given, and ours change as the work goes on.</summary>
            private static ProgressRecord Snapshot(ProgressRecord p) => new ProgressRecord(p.ActivityId, p.Activity, p.StatusDescription)
            {
                CurrentOperation = p.CurrentOperation,
                PercentComplete = p.PercentComplete,
                RecordType = p.RecordType,
            };

            private static int ActivityId(string activity) => Math.Abs(activity.GetHashCode() % 100000) + 1;
        }
    }
}
