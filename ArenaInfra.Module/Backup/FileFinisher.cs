using System;
using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace ArenaInfra.Backup
{
    /// <summary>
    /// Puts written files in place on a few threads of its own while the stream goes on: each file is
    /// synced to the disk before it gets its name, and a sync costs a journal commit (milliseconds on
    /// ext4), so syncing one file at a time made thousands of small files cost more than their transfer.
    /// Syncs waiting together share a commit. Complete returns once every file queued has its name, and
    /// throws the first failure; a failure is also thrown by the next Queue, so a full disk ends the
    /// stream soon. The done actions run one at a time.
    /// </summary>
    internal sealed class FileFinisher : IDisposable
    {
        private readonly BlockingCollection<(Action Finish, Action? Done)> _queue;
        private readonly Thread[] _threads;
        private readonly object _doneLock = new object();
        private Exception? _failure;

        /// <summary>threads: syncs at once; pending: files written and waiting (each an open file), before Queue waits.</summary>
        public FileFinisher(int threads = 8, int pending = 32)
        {
            _queue = new BlockingCollection<(Action, Action?)>(pending);
            _threads = new Thread[threads];
            for (var i = 0; i < threads; i++)
            {
                _threads[i] = new Thread(Work) { IsBackground = true, Name = "backup file finisher" };
                _threads[i].Start();
            }
        }

        public void Queue(Action finish, Action? done)
        {
            ThrowIfFailed();
            _queue.Add((finish, done));
        }

        /// <summary>Waits for every file queued; throws the first failure.</summary>
        public void Complete()
        {
            Drain();
            ThrowIfFailed();
        }

        /// <summary>Waits for every file queued (a finish always closes its file and removes what is left of it), whatever went wrong.</summary>
        public void Dispose()
        {
            Drain();
            _queue.Dispose();
        }

        private void Drain()
        {
            if (!_queue.IsAddingCompleted) _queue.CompleteAdding();
            foreach (var thread in _threads) thread.Join();
        }

        private void ThrowIfFailed()
        {
            var failure = Volatile.Read(ref _failure);
            if (failure != null) ExceptionDispatchInfo.Capture(failure).Throw();
        }

        private void Work()
        {
            foreach (var (finish, done) in _queue.GetConsumingEnumerable())
            {
                try
                {
                    finish();
                    if (done != null)
                    {
                        lock (_doneLock) done();
                    }
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref _failure, e, null);
                }
            }
        }
    }
}
