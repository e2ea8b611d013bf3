using System;
using ArenaInfra.Idle;

namespace ArenaInfra
{
    /// <summary>Get-ArenaIdlePod's verdict on one pod. Unknown is never idle.</summary>
    public enum ArenaIdleVerdict
    {
        Unknown = 0,
        Busy,
        Idle,
    }

    /// <summary>
    /// What one probe of a pod found, and whether the pod is a candidate to stop: only when every
    /// reading is known and each says nobody has used it for the hours asked. The report never acts;
    /// a candidate carries the commands that would.
    /// </summary>
    public sealed class ArenaIdlePodReport : ArenaPodOperationResult
    {
        public ArenaIdleVerdict Verdict { get; internal set; }
        public bool Candidate => Verdict == ArenaIdleVerdict.Idle;
        /// <summary>The hours of no use asked for (-Hours).</summary>
        public double Hours { get; internal set; }
        /// <summary>SSH sessions other than the probe's own; null when unknown.</summary>
        public int? SshSessions { get; internal set; }
        /// <summary>VS Code Remote server processes of the pod user.</summary>
        public int? VsCodeProcesses { get; internal set; }
        /// <summary>Other established inbound connections from outside the pod.</summary>
        public int? InboundConnections { get; internal set; }
        /// <summary>The highest GPU use seen in three samples a second apart, in percent.</summary>
        public int? GpuUtilizationPercent { get; internal set; }
        /// <summary>The most GPU memory in use on any GPU in those samples, in MiB.</summary>
        public long? GpuMemoryUsedMiB { get; internal set; }
        /// <summary>The newest file change under the home and the course repo, by the pod's clock.</summary>
        public DateTimeOffset? LastFileChange { get; internal set; }
        /// <summary>Hours since that change; null when unknown or the home has no file.</summary>
        public double? HoursSinceFileChange { get; internal set; }
        public double? UptimeHours { get; internal set; }
        /// <summary>What RunPod charges for the pod an hour.</summary>
        public decimal? CostPerHour { get; internal set; }
        private string[] _reasons = Array.Empty<string>();

        /// <summary>Why the verdict is what it is, terminal-safe.</summary>
        public string[] Reasons { get => _reasons; internal set => _reasons = Array.ConvertAll(value, TerminalText.SafeLine); }
        /// <summary>For a candidate: the commands to save, back up and stop it, in that order; empty otherwise.</summary>
        public string[] Commands { get; internal set; } = Array.Empty<string>();

        public string Why => string.Join("; ", Reasons);

        public override string ToString() => $"{TerminalText.SafeLine(Name)}: {Verdict} ({Why})";

        internal void Judge(IdleReadings readings, TimeSpan hours) => IdleJudge.Apply(this, readings, hours);
    }
}
