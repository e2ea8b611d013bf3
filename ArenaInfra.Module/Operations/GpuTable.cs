using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace ArenaInfra.Operations
{
    /// <summary>Get-ArenaPodGpu -Watch's live table: one line a GPU, and a line for each pod that did not answer or is reconnecting.</summary>
    internal static class GpuTable
    {
        /// <summary>footer: a last line, such as how to leave the live view.</summary>
        public static string Render(IReadOnlyList<ArenaGpuStatus> statuses, DateTime now, string? footer = null)
        {
            var text = new StringBuilder();
            text.Append(string.Format(CultureInfo.InvariantCulture, "{0,-18} {1,3} {2,-10} {3,5} {4,13}   {5:HH:mm:ss}\n", "Pod", "GPU", "Model", "Util", "Memory (GB)", now));
            foreach (var s in statuses)
            {
                // Everything here came from a pod or the API: no escape sequence of theirs reaches the terminal.
                var name = TerminalText.SafeLine(s.Name);
                var model = TerminalText.SafeLine(s.Model);
                var error = TerminalText.SafeLine(s.Error);
                text.Append(s.Responding
                    ? string.Format(CultureInfo.InvariantCulture, "{0,-18} {1,3} {2,-10} {3,4}% {4,6:0.0}/{5,-6:0.0}\n", name, s.Index, model, s.UtilizationPercent, s.MemoryUsedGB, s.MemoryTotalGB)
                    : s.Reconnecting
                        ? string.Format(CultureInfo.InvariantCulture, "{0,-18}   - reconnecting...\n", name)
                        : s.NotRunning
                            ? string.Format(CultureInfo.InvariantCulture, "{0,-18}   - not running: {1}\n", name, NotRunning(error))
                            : string.Format(CultureInfo.InvariantCulture, "{0,-18}   - no answer: {1}\n", name, error));
            }
            if (footer != null) text.Append(footer).Append('\n');
            return text.ToString();
        }

        /// <summary>"the pod is Stopped, so nothing was done there" as "Stopped": the table says what the pod is, not what was not done.</summary>
        private static string NotRunning(string error)
        {
            var state = error.StartsWith("the pod is ", StringComparison.Ordinal) ? error.Substring("the pod is ".Length) : error;
            var cut = state.IndexOf(", so nothing", StringComparison.Ordinal);
            return (cut >= 0 ? state.Substring(0, cut) : state).Trim();
        }
    }
}
