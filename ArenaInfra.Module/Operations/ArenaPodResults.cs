using System.Linq;
using System;

namespace ArenaInfra
{
    /// <summary>Initialize-ArenaPod's result.</summary>
    public sealed class ArenaPodSetupResult : ArenaPodOperationResult
    {
        /// <summary>The steps that ran and succeeded, in order.</summary>
        public string[] Done { get; internal set; } = Array.Empty<string>();
        /// <summary>The steps left out with -Skip.</summary>
        public string[] Skipped { get; internal set; } = Array.Empty<string>();
        /// <summary>Branches in the course repo that keep the participant's work from before the reset to origin (arena-kept/&lt;time&gt;, and -&lt;branch&gt; for local commits origin lacks).</summary>
        public string[] KeptBranches { get; internal set; } = Array.Empty<string>();
        private string[] _warnings = Array.Empty<string>();
        /// <summary>What a best-effort step (VsCode) could not do; the set-up succeeded all the same. Terminal-safe.</summary>
        public string[] Warnings { get => _warnings; internal set => _warnings = value.Select(TerminalText.Safe).ToArray(); }
        private string? _repoPath;
        /// <summary>Where the course repo is on the pod's volume (/workspace/&lt;repo&gt;, linked from the home), checked on the pod; null when it stays in the home.</summary>
        public string? RepoPath { get => _repoPath; internal set => _repoPath = value == null ? null : TerminalText.Safe(value); }
        private string? _keptCheckout;
        /// <summary>Where a home checkout holding work of its own was kept whole on the volume (&lt;repo&gt;.kept-&lt;UTC time&gt;) before the volume's copy took its place.</summary>
        public string? KeptCheckout { get => _keptCheckout; internal set => _keptCheckout = value == null ? null : TerminalText.Safe(value); }
        /// <summary>The VS Code server build (commit) installed or found on the pod; null when none.</summary>
        public string? VsCodeServer { get; internal set; }
    }

    /// <summary>Set-ArenaPodSecret's result: which variables were set; never their values.</summary>
    public sealed class ArenaPodSecretResult : ArenaPodOperationResult
    {
        public string[] Variables { get; internal set; } = Array.Empty<string>();
    }

    public enum ArenaSaveStatus
    {
        Pushed,
        NothingToCommit,
        Failed,
    }

    /// <summary>Save-ArenaPodWork's result.</summary>
    public sealed class ArenaPodSaveResult : ArenaPodOperationResult
    {
        public ArenaSaveStatus Status { get; internal set; }
        public string? Branch { get; internal set; }
        public string? Commit { get; internal set; }
    }

    /// <summary>Get-ArenaPodGpu's work on one pod: its GPUs (the cmdlet emits each one).</summary>
    public sealed class ArenaPodGpuResult : ArenaPodOperationResult
    {
        public ArenaGpuStatus[] Gpus { get; internal set; } = Array.Empty<ArenaGpuStatus>();
    }

    /// <summary>One GPU of one pod, as nvidia-smi reports it.</summary>
    public sealed class ArenaGpuStatus
    {
        public string Name { get; internal set; } = "";
        public string? MachineName { get; internal set; }
        public int? Index { get; internal set; }
        private string? _model;
        private string? _fullModel;

        /// <summary>Short: A4000, A100-80GB, RTX4090. Terminal-safe (TerminalText): nvidia-smi on a pod is the pod's to replace.</summary>
        public string? Model { get => _model; internal set => _model = value == null ? null : TerminalText.SafeLine(value); }
        /// <summary>The name nvidia-smi gave, terminal-safe; FullModelRaw holds it as it came.</summary>
        public string? FullModel { get => _fullModel == null ? null : TerminalText.SafeLine(_fullModel); internal set => _fullModel = value; }
        /// <summary>The name exactly as the pod sent it, escape sequences and all: not for a terminal.</summary>
        public string? FullModelRaw => _fullModel;
        public int? UtilizationPercent { get; internal set; }
        public double? MemoryUsedGB { get; internal set; }
        public double? MemoryTotalGB { get; internal set; }
        /// <summary>False when the pod did not answer; Error says why.</summary>
        public bool Responding { get; internal set; } = true;
        /// <summary>Get-ArenaPodGpu -Watch: the pod's kept session dropped and is being opened again.</summary>
        public bool Reconnecting { get; internal set; }
        /// <summary>The pod is not running (stopped, starting), so it was not asked; Error says which.</summary>
        public bool NotRunning { get; internal set; }
        private string? _error;

        /// <summary>Why the pod did not answer, terminal-safe (TerminalText).</summary>
        public string? Error { get => _error; internal set => _error = value == null ? null : TerminalText.Safe(value); }
    }
}
