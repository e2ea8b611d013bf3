using System;

namespace ArenaInfra
{
    /// <summary>
    /// What every SSH command reports for each pod it was given: did it work, and if not, where and why.
    /// A pod that is not running gets a result too (FailedStep NotRunning): every pod is accounted for.
    /// </summary>
    public abstract class ArenaPodOperationResult
    {
        public string Name { get; internal set; } = "";
        public string? MachineName { get; internal set; }
        public string? PodId { get; internal set; }
        /// <summary>host:port the command connected to; null when the pod was not contacted.</summary>
        public string? Endpoint { get; internal set; }
        public bool Succeeded { get; internal set; }
        /// <summary>The step that failed (NotRunning, Connect, HostKey, Authenticate, CopyKey, Git, ...); null when all went well.</summary>
        public string? FailedStep { get; internal set; }
        /// <summary>The failure's stable id (SshConnectFailed, PodNotRunning, ...), as in ArenaErrorIds; null when all went well.</summary>
        public string? ErrorId { get; internal set; }
        private string? _error;

        /// <summary>Why it failed, terminal-safe (TerminalText): a pod's own output in it cannot drive the terminal.</summary>
        public string? Error { get => _error; internal set => _error = value == null ? null : TerminalText.Safe(value); }
        public TimeSpan Duration { get; internal set; }

        public override string ToString() => $"{TerminalText.SafeLine(Name)}: {(Succeeded ? "done" : $"failed at {FailedStep}: {Error}")}";
    }
}
