using System;

namespace ArenaInfra
{
    /// <summary>Where a job on a pod stands. Unknown is never taken for Completed.</summary>
    public enum ArenaPodJobState
    {
        /// <summary>The job could not be started (the pod is stopped or did not answer); Error says why.</summary>
        NotStarted,
        Running,
        /// <summary>Ended with exit code 0.</summary>
        Completed,
        /// <summary>Ended with another exit code.</summary>
        Failed,
        /// <summary>Ended by Stop-ArenaPodJob.</summary>
        Stopped,
        /// <summary>Its process is gone without an exit code: the pod restarted, or something killed it.</summary>
        Lost,
        /// <summary>The pod did not answer, or what it holds for the job cannot be read.</summary>
        Unknown,
    }

    /// <summary>
    /// One long job on one pod (Start-ArenaPodJob, Get-ArenaPodJob, Stop-ArenaPodJob). Name is the
    /// pod's, JobId the module's; everything else is what the pod's job folder says, read strictly.
    /// </summary>
    public sealed class ArenaPodJob : ArenaPodOperationResult
    {
        private string? _command;

        /// <summary>The job's id (time and random, made by the module); null when no job was started or none could be read.</summary>
        public string? JobId { get; internal set; }
        public ArenaPodJobState State { get; internal set; }
        public int? ExitCode { get; internal set; }
        public DateTime? Started { get; internal set; }
        public DateTime? Ended { get; internal set; }
        /// <summary>From the start to the end, or to now while it runs; null when the start is unknown.</summary>
        public TimeSpan? RunTime => Started == null ? null : (Ended ?? (State == ArenaPodJobState.Running ? DateTime.UtcNow : (DateTime?)null)) - Started;
        /// <summary>The command, terminal-safe (TerminalText); CommandRaw holds it as it came.</summary>
        public string? Command { get => _command == null ? null : TerminalText.SafeLine(_command); internal set => _command = value; }
        public string? CommandRaw => _command;

        public override string ToString() => JobId == null ? base.ToString() : $"{TerminalText.SafeLine(Name)}: job {JobId} {State}";
    }

    /// <summary>One line of a job's output (Receive-ArenaPodJob), terminal-safe; LineRaw holds it as it came.</summary>
    public sealed class ArenaPodJobOutput
    {
        private readonly string _line;

        internal ArenaPodJobOutput(string name, string jobId, string line)
        {
            Name = name;
            JobId = jobId;
            _line = line;
        }

        public string Name { get; }
        public string JobId { get; }
        public string Line => TerminalText.SafeLine(_line);
        public string LineRaw => _line;

        public override string ToString() => Line;
    }
}
