using System;
using System.Collections.Generic;
using System.Linq;

namespace ArenaInfra
{
    /// <summary>How a batch went: written at the end of a pod command, shown by default when a pod failed.</summary>
    public sealed class ArenaBatchSummary
    {
        public string Command { get; internal set; } = "";
        /// <summary>What was done to a pod that succeeded: "stopped", "set up", ...</summary>
        public string Done { get; internal set; } = "";
        public int Total { get; internal set; }
        public string[] Succeeded { get; internal set; } = Array.Empty<string>();
        /// <summary>Each pod that failed, with the step or reason: "camp-bravo (Connect)".</summary>
        public string[] Failed { get; internal set; } = Array.Empty<string>();

        internal static ArenaBatchSummary Of(string command, string done, IEnumerable<string> succeeded, IEnumerable<string> failed)
        {
            var ok = succeeded.OrderBy(n => n, StringComparer.Ordinal).ToArray();
            var bad = failed.OrderBy(n => n, StringComparer.Ordinal).ToArray();
            return new ArenaBatchSummary { Command = command, Done = done, Total = ok.Length + bad.Length, Succeeded = ok, Failed = bad };
        }

        /// <summary>From one result a pod: a failed one is listed with the step it failed at.</summary>
        internal static ArenaBatchSummary Of(string command, string done, IEnumerable<ArenaPodOperationResult> results)
        {
            var list = results.ToList();
            return Of(command, done, list.Where(r => r.Succeeded).Select(r => r.Name),
                list.Where(r => !r.Succeeded).Select(r => r.FailedStep != null ? $"{r.Name} ({r.FailedStep})" : r is ArenaCommandResult c ? $"{r.Name} (exit {(c.TimedOut ? "timeout" : c.ExitCode?.ToString() ?? "none")})" : r.Name));
        }

        public override string ToString() =>
            $"{Command}: {Succeeded.Length} of {Total} pod{(Total == 1 ? "" : "s")} {Done}" + (Failed.Length > 0 ? $"; {Failed.Length} failed: {TerminalText.SafeLine(string.Join(", ", Failed))}." : ".");
    }
}
