using System;

namespace ArenaInfra
{
    /// <summary>One step of a pod's replacement: what it was, whether it worked, how long it took.</summary>
    public sealed class ArenaRepairStep
    {
        /// <summary>Terminate, Create, WaitForSsh, Setup, Restore, Secrets, Test or Publish.</summary>
        public string Step { get; internal set; } = "";
        public bool Succeeded { get; internal set; }
        /// <summary>Left out: done by an earlier run that this one carries on from, or not asked for.</summary>
        public bool Skipped { get; internal set; }
        public TimeSpan Duration { get; internal set; }
        /// <summary>What the step did or why it failed.</summary>
        public string Detail { get; internal set; } = "";

        public override string ToString() => $"{Step}: {(Skipped ? "skipped" : Succeeded ? "done" : "FAILED")} ({Duration.TotalSeconds:0.0} s) {TerminalText.SafeLine(Detail)}";
    }

    /// <summary>Repair-ArenaPod's result for one pod: every step with its timing, and the pod that now carries the name.</summary>
    public sealed class ArenaPodRepairResult : ArenaPodOperationResult
    {
        /// <summary>The id of the pod that was replaced.</summary>
        public string? OldPodId { get; internal set; }
        /// <summary>The new pod under the same name, once it was created.</summary>
        public ArenaPod? NewPod { get; internal set; }
        /// <summary>The GPU type and cloud the new pod got.</summary>
        public string? GpuType { get; internal set; }
        public string? CloudType { get; internal set; }
        public ArenaRepairStep[] Steps { get; internal set; } = Array.Empty<ArenaRepairStep>();
        /// <summary>Where the files came back from, when they were restored.</summary>
        public string? RestoredFrom { get; internal set; }
        /// <summary>True when this run carried on from an earlier one that stopped part of the way.</summary>
        public bool Resumed { get; internal set; }

        public override string ToString() => $"{TerminalText.SafeLine(Name)}: {(Succeeded ? $"replaced by {NewPod?.Id}" : $"stopped at {FailedStep}: {Error}")}";
    }
}
