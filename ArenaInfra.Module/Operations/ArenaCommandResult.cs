using System;
using System.Globalization;
using System.Linq;

namespace ArenaInfra
{
    /// <summary>
    /// One pod's run of Invoke-ArenaPodCommand. A non-zero exit code is a result, not an error; so is a
    /// pod that could not be reached (ExitCode null, FailedStep and Error say why).
    /// </summary>
    public sealed class ArenaCommandResult : ArenaPodOperationResult
    {
        public int? ExitCode { get; internal set; }
        private string _stdOut = "";
        private string _stdErr = "";

        /// <summary>The command's output, terminal-safe (TerminalText); StdOutRaw holds it as it came.</summary>
        public string StdOut { get => TerminalText.Safe(_stdOut); internal set => _stdOut = value; }
        /// <summary>The command's error output, terminal-safe (TerminalText); StdErrRaw holds it as it came.</summary>
        public string StdErr { get => TerminalText.Safe(_stdErr); internal set => _stdErr = value; }
        /// <summary>The output exactly as the pod sent it, escape sequences and all: for a script, not a terminal.</summary>
        public string StdOutRaw => _stdOut;
        public string StdErrRaw => _stdErr;
        /// <summary>True when the command did not finish within -TimeoutSec.</summary>
        public bool TimedOut { get; internal set; }

        /// <summary>
        /// The line a table shows, terminal-safe: when the exit code is not 0, the last line of the error
        /// output (of the output when there is none), since that says why; otherwise the last line of the
        /// output. For a pod not reached, where it stopped and why.
        /// </summary>
        public string Summary
        {
            get
            {
                if (ExitCode == null && FailedStep != null) return TerminalText.SafeLine($"{FailedStep}: {Error}");
                var shown = ExitCode != 0 ? LastLine(_stdErr) ?? LastLine(_stdOut) : LastLine(_stdOut);
                return TerminalText.SafeLine(shown ?? "");
            }
        }

        private static string? LastLine(string text) => text.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0);

        public override string ToString() => ExitCode == null && FailedStep != null ? base.ToString() : $"{TerminalText.SafeLine(Name)}: exit {(ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "none")}";
    }
}
