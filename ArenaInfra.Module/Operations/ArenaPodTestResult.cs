using System;
using System.Globalization;
using System.Linq;

namespace ArenaInfra
{
    /// <summary>How far a pod check got.</summary>
    public enum ArenaTestStage
    {
        /// <summary>The pod is not running, so it was not contacted.</summary>
        NotRunning,
        /// <summary>No SSH connection: nothing listens, the network drops it, or it timed out.</summary>
        Connect,
        /// <summary>The pod presented a host key that is not the one recorded for it.</summary>
        HostKey,
        /// <summary>The pod refused the shared key.</summary>
        Authenticate,
        /// <summary>Connected, but the check failed or did not finish in time.</summary>
        Command,
        Passed,
    }

    /// <summary>One pod's answer to Test-ArenaPod.</summary>
    public sealed class ArenaPodTestResult : ArenaPodOperationResult
    {
        /// <summary>The same as Succeeded: the check passed.</summary>
        public bool Passed => Succeeded;
        public ArenaTestStage Stage { get; internal set; }
        public int? ExitCode { get; internal set; }
        private string _output = "";
        private string? _torchVersion;
        private string? _gpuName;

        /// <summary>What the check printed, terminal-safe (TerminalText); OutputRaw holds it as it came.</summary>
        public string Output { get => TerminalText.Safe(_output); internal set => _output = value; }
        /// <summary>The check's output exactly as the pod sent it, escape sequences and all: not for a terminal.</summary>
        public string OutputRaw => _output;
        public string? TorchVersion { get => _torchVersion; internal set => _torchVersion = value == null ? null : TerminalText.SafeLine(value); }
        public bool? CudaAvailable { get; internal set; }
        public string? GpuName { get => _gpuName; internal set => _gpuName = value == null ? null : TerminalText.SafeLine(value); }

        /// <summary>True when this was a deep check (Test-ArenaPod -Deep): Checks holds its verdicts.</summary>
        public bool Deep { get; internal set; }
        /// <summary>The deep check's verdicts, one a check, in the order they are checked; empty for the plain check.</summary>
        public System.Collections.Generic.IReadOnlyList<ArenaPodCheck> Checks { get; internal set; } = Array.Empty<ArenaPodCheck>();
        private string? _machineId;
        /// <summary>RunPod's id of the machine the pod runs on: pods on one machine share its faults.</summary>
        public string? MachineId { get => _machineId; internal set => _machineId = value == null ? null : TerminalText.SafeLine(value); }
        /// <summary>The worst verdict of a deep check; null for the plain check.</summary>
        public ArenaCheckVerdict? Verdict => Checks.Count == 0 ? (ArenaCheckVerdict?)null : Checks.Max(c => c.Verdict);
        /// <summary>The first check with the worst verdict, when that is not a pass: what to read first.</summary>
        public ArenaPodCheck? FirstProblem => Checks.FirstOrDefault(c => c.Verdict == ArenaCheckVerdict.Fail) ?? Checks.FirstOrDefault(c => c.Verdict == ArenaCheckVerdict.Warn);

        public override string ToString() => $"{TerminalText.SafeLine(Name)}: {(Passed ? "passed" : $"failed at {Stage}: {Error}")}";
    }

    /// <summary>Test-ArenaPod's closing count, written to the Information stream (shown when a pod failed).</summary>
    public sealed class ArenaPodTestSummary
    {
        public int Total { get; internal set; }
        public int Passed { get; internal set; }
        public string[] NotRunning { get; internal set; } = Array.Empty<string>();
        public string[] ConnectionFailures { get; internal set; } = Array.Empty<string>();
        public string[] CommandFailures { get; internal set; } = Array.Empty<string>();
        /// <summary>Deep check: the machines (MachineId) with a pod that failed, each with those pods' names, "machine: pod, pod".</summary>
        public string[] FailedMachines { get; internal set; } = Array.Empty<string>();

        internal static ArenaPodTestSummary Of(System.Collections.Generic.IReadOnlyList<ArenaPodTestResult> results) => new ArenaPodTestSummary
        {
            Total = results.Count,
            Passed = results.Count(r => r.Passed),
            NotRunning = results.Where(r => r.Stage == ArenaTestStage.NotRunning).Select(r => r.Name).ToArray(),
            ConnectionFailures = results.Where(r => r.Stage == ArenaTestStage.Connect || r.Stage == ArenaTestStage.HostKey || r.Stage == ArenaTestStage.Authenticate).Select(r => r.Name).ToArray(),
            CommandFailures = results.Where(r => r.Stage == ArenaTestStage.Command).Select(r => r.Name).ToArray(),
            FailedMachines = results.Where(r => r.Deep && !r.Passed && !string.IsNullOrEmpty(r.MachineId))
                .GroupBy(r => r.MachineId!, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => g.Key + ": " + string.Join(", ", g.Select(r => r.Name).OrderBy(n => n, StringComparer.Ordinal))).ToArray(),
        };

        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture, "Test-ArenaPod: {0} of {1} pods passed; {2} connection failure(s){3}; {4} command failure(s){5}{6}.",
                Passed, Total, ConnectionFailures.Length, List(ConnectionFailures), CommandFailures.Length, List(CommandFailures),
                NotRunning.Length > 0 ? $"; {NotRunning.Length} not running{List(NotRunning)}" : "")
            + (FailedMachines.Length > 0 ? " Failed on machine" + (FailedMachines.Length == 1 ? " " : "s ") + TerminalText.SafeLine(string.Join("; ", FailedMachines)) + "." : "");

        private static string List(string[] names) => names.Length == 0 ? "" : " (" + TerminalText.SafeLine(string.Join(", ", names.OrderBy(n => n, StringComparer.Ordinal))) + ")";
    }
}
