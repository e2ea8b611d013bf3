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
    public sealed class ArenaPodTestResult
    {
        public string Name { get; internal set; } = "";
        public string? MachineName { get; internal set; }
        public string? PodId { get; internal set; }
        /// <summary>host:port the check connected to.</summary>
        public string? Endpoint { get; internal set; }
        public bool Passed { get; internal set; }
        public ArenaTestStage Stage { get; internal set; }
        public int? ExitCode { get; internal set; }
        public string Output { get; internal set; } = "";
        public string? Error { get; internal set; }
        public TimeSpan Duration { get; internal set; }
        public string? TorchVersion { get; internal set; }
        public bool? CudaAvailable { get; internal set; }
        public string? GpuName { get; internal set; }

        public override string ToString() => $"{Name}: {(Passed ? "passed" : $"failed at {Stage}: {Error}")}";
    }

    /// <summary>Test-ArenaPod's closing count, written to the Information stream.</summary>
    public sealed class ArenaPodTestSummary
    {
        public int Total { get; internal set; }
        public int Passed { get; internal set; }
        public string[] NotRunning { get; internal set; } = Array.Empty<string>();
        public string[] ConnectionFailures { get; internal set; } = Array.Empty<string>();
        public string[] CommandFailures { get; internal set; } = Array.Empty<string>();

        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture, "{0} of {1} pods passed; {2} connection failure(s){3}; {4} command failure(s){5}{6}.",
                Passed, Total, ConnectionFailures.Length, List(ConnectionFailures), CommandFailures.Length, List(CommandFailures),
                NotRunning.Length > 0 ? $"; {NotRunning.Length} not running{List(NotRunning)}" : "");

        private static string List(string[] names) => names.Length == 0 ? "" : " (" + string.Join(", ", names.OrderBy(n => n, StringComparer.Ordinal)) + ")";
    }

    /// <summary>One pod's run of Invoke-ArenaPodCommand. A non-zero exit code is a result, not an error.</summary>
    public sealed class ArenaCommandResult
    {
        public string Name { get; internal set; } = "";
        public string? MachineName { get; internal set; }
        public string? PodId { get; internal set; }
        public int? ExitCode { get; internal set; }
        public string StdOut { get; internal set; } = "";
        public string StdErr { get; internal set; } = "";
        public TimeSpan Duration { get; internal set; }
        public bool Succeeded { get; internal set; }
        /// <summary>True when the command did not finish within -TimeoutSec.</summary>
        public bool TimedOut { get; internal set; }

        public override string ToString() => $"{Name}: exit {(ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "none")}";
    }
}
