using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace ArenaInfra.Ssh
{
    /// <summary>
    /// Keeps one open SSH connection a pod for a command that works on the same pods more than once
    /// in one call (Get-ArenaPodGpu -Watch). A handshake costs several round trips and loads the pod's
    /// sshd, so a refresh over kept sessions costs one round trip a pod and opens nothing new.
    ///
    /// A session that dropped is opened again in the background, and until it is back the pod is
    /// reported as reconnecting (never left out), so one pod that went away does not hold up the
    /// others' refresh by a whole connect timeout. Every connection is made by SshPodConnection.Open,
    /// so its host key is checked as on any other connection. Disposing closes them all.
    /// </summary>
    internal sealed class SshSessionPool : IDisposable
    {
        private readonly object _gate = new object();
        private readonly Dictionary<string, Slot> _slots = new Dictionary<string, Slot>(StringComparer.Ordinal);
        private readonly CancellationTokenSource _closing = new CancellationTokenSource();
        private int _opened;
        private bool _disposed;

        /// <summary>Connections opened so far (first ones and reconnects).</summary>
        public int Opened => Volatile.Read(ref _opened);

        /// <summary>
        /// A connection to work on now: the kept one when it is still up, a new one the first time a pod
        /// is asked for. Throws SshStageException with SshReconnecting while a dropped session is being
        /// opened again, and with the last attempt's own error while the pod still cannot be reached.
        /// </summary>
        public SshPodConnection Lease(SshTarget target, SshSettings settings, CancellationToken cancellation)
        {
            Slot slot;
            var first = false;
            lock (_gate)
            {
                if (_disposed) throw new ObjectDisposedException(nameof(SshSessionPool));
                if (!_slots.TryGetValue(target.Pod.Id, out slot!))
                {
                    slot = new Slot();
                    _slots[target.Pod.Id] = slot;
                    first = true;
                }
            }
            lock (slot)
            {
                if (slot.Connection != null && slot.Endpoint == target.Endpoint && slot.Connection.IsConnected) return slot.Connection;
                if (slot.Connection != null)
                {
                    // Dropped (or the pod moved to another address): start again in the background.
                    slot.Connection.Dispose();
                    slot.Connection = null;
                    slot.DroppedAt = DateTime.UtcNow;
                    settings.Log.Verbose($"{target.Pod.Name}: its SSH session dropped; reconnecting.");
                    Reopen(slot, target, settings);
                    throw Reconnecting(target);
                }
                if (slot.Reopening != null)
                {
                    if (!slot.Reopening.IsCompleted) throw Pending(slot, target, settings);
                    var attempt = slot.Reopening;
                    slot.Reopening = null;
                    if (attempt.Status == TaskStatus.RanToCompletion && attempt.Result.IsConnected && slot.Endpoint == target.Endpoint)
                    {
                        slot.Connection = attempt.Result;
                        slot.LastError = null;
                        slot.DroppedAt = null;
                        return slot.Connection;
                    }
                    if (attempt.Status == TaskStatus.RanToCompletion) attempt.Result.Dispose();
                    slot.LastError = Failure(attempt, target);
                    Reopen(slot, target, settings);
                    throw Pending(slot, target, settings);
                }
                if (first)
                {
                    // The first time, connect now, so the first refresh is complete.
                    slot.Endpoint = target.Endpoint;
                    try
                    {
                        slot.Connection = Open(target, settings, cancellation);
                        return slot.Connection;
                    }
                    catch (SshStageException e)
                    {
                        slot.LastError = e;
                        throw;
                    }
                }
                Reopen(slot, target, settings);
                throw Pending(slot, target, settings);
            }
        }

        /// <summary>
        /// While a session is being opened again: "reconnecting" for a connect timeout after it dropped
        /// (an sshd that restarts refuses for a moment), then the last attempt's own error, so a pod that
        /// stays down says why.
        /// </summary>
        private static SshStageException Pending(Slot slot, SshTarget target, SshSettings settings)
        {
            var recentlyDropped = slot.DroppedAt != null && DateTime.UtcNow - slot.DroppedAt.Value < settings.ConnectTimeout;
            return recentlyDropped || slot.LastError == null ? Reconnecting(target) : slot.LastError;
        }

        /// <summary>The kept session failed while it was used: drop it, and the next lease reconnects.</summary>
        public void Lost(SshTarget target, SshSettings settings)
        {
            Slot? slot;
            lock (_gate) _slots.TryGetValue(target.Pod.Id, out slot);
            if (slot == null) return;
            lock (slot)
            {
                if (slot.Connection == null) return;
                slot.Connection.Dispose();
                slot.Connection = null;
                slot.DroppedAt = DateTime.UtcNow;
                settings.Log.Verbose($"{target.Pod.Name}: its SSH session was lost; reconnecting.");
                Reopen(slot, target, settings);
            }
        }

        public static SshStageException Reconnecting(SshTarget target) =>
            new SshStageException(ArenaTestStage.Connect, ArenaErrorIds.SshReconnecting, $"{target.Pod.Name}: its SSH session dropped and is being opened again.");

        private void Reopen(Slot slot, SshTarget target, SshSettings settings)
        {
            slot.Endpoint = target.Endpoint;
            var token = _closing.Token;
            slot.Reopening = Task.Run(() => Open(target, settings, token), token);
        }

        private SshPodConnection Open(SshTarget target, SshSettings settings, CancellationToken cancellation)
        {
            Interlocked.Increment(ref _opened);
            return SshPodConnection.Open(target, settings, cancellation);
        }

        private static SshStageException Failure(Task attempt, SshTarget target)
        {
            var error = attempt.Exception?.GetBaseException();
            return error as SshStageException
                ?? new SshStageException(ArenaTestStage.Connect, ArenaErrorIds.SshConnectFailed, $"{target.Pod.Name}: reconnecting failed: {error?.Message ?? "cancelled"}", error);
        }

        public void Dispose()
        {
            List<Slot> slots;
            lock (_gate)
            {
                if (_disposed) return;
                _disposed = true;
                slots = new List<Slot>(_slots.Values);
                _slots.Clear();
            }
            _closing.Cancel();
            foreach (var slot in slots)
            {
                lock (slot)
                {
                    slot.Connection?.Dispose();
                    slot.Connection = null;
                    // A reconnect still under way closes what it opens as soon as it is done; its failure is nobody's news now.
                    slot.Reopening?.ContinueWith(t =>
                    {
                        if (t.Status == TaskStatus.RanToCompletion) t.Result.Dispose();
                        else _ = t.Exception;
                    }, TaskScheduler.Default);
                    slot.Reopening = null;
                }
            }
        }

        private sealed class Slot
        {
            public SshPodConnection? Connection;
            public string Endpoint = "";
            public Task<SshPodConnection>? Reopening;
            public SshStageException? LastError;
            public DateTime? DroppedAt;
        }
    }
}
