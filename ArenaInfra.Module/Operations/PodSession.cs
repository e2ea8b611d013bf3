using System;
using System.Linq;
using System.Threading;
using ArenaInfra.Common;
using ArenaInfra.Ssh;

namespace ArenaInfra.Operations
{
    /// <summary>
    /// What a pod operation works with on one pod: the open connection, the step timeout, the
    /// cancellation, and the result on which the first failing step is recorded.
    /// </summary>
    internal sealed class PodSession
    {
        private readonly ArenaPodOperationResult _result;
        private string? _home;

        public PodSession(SshTarget target, SshPodConnection connection, ArenaPodOperationResult result, TimeSpan timeout, CancellationToken cancellation, IArenaLog log)
        {
            Log = log;
            Target = target;
            Connection = connection;
            _result = result;
            Timeout = timeout;
            Cancellation = cancellation;
        }

        public SshTarget Target { get; }
        public ArenaPod Pod => Target.Pod;
        public SshPodConnection Connection { get; }
        public TimeSpan Timeout { get; }
        public CancellationToken Cancellation { get; }
        /// <summary>The command's Verbose and Warning lines.</summary>
        public IArenaLog Log { get; }

        /// <summary>The pod user's $HOME, to expand ~ in paths that SFTP takes literally; asked once, on first use.</summary>
        public string Home => _home ??= Connection.Run("printf %s \"$HOME\"", TimeSpan.FromSeconds(30), Cancellation).StdOut;

        /// <summary>Runs a step's command; false (and the step recorded as failed) on a non-zero exit.</summary>
        public bool Step(string step, string command, byte[]? input = null) => Check(step, Shell(command, input));

        public CommandOutput Shell(string command, byte[]? input = null) =>
            input == null ? Connection.Run(command, Timeout, Cancellation) : Connection.Run(command, input, Timeout, Cancellation);

        public bool Check(string step, CommandOutput output)
        {
            if (output.ExitCode == 0 && !output.TimedOut) return true;
            return Fail(step, output.TimedOut ? $"did not finish within {Timeout.TotalSeconds:0} s" : Last(output.StdErr.Trim().Length > 0 ? output.StdErr : output.StdOut, output.ExitCode));
        }

        /// <summary>Records the step that failed; always false, so a step can end with 'return pod.Fail(...)'.</summary>
        public bool Fail(string step, string error, string errorId = ArenaErrorIds.PodOperationFailed)
        {
            _result.FailedStep = step;
            _result.Error = error;
            _result.ErrorId = errorId;
            return false;
        }

        /// <summary>A remote path with a leading ~ made absolute.</summary>
        public string Expand(string path) =>
            path == "~" ? Home : path.StartsWith("~/", StringComparison.Ordinal) ? Home.TrimEnd('/') + path.Substring(1) : path;

        /// <summary>The last lines of a failed command's output, with its exit code.</summary>
        public static string Last(string text, int? exitCode)
        {
            var lines = text.Trim().Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
            var tail = string.Join(" | ", lines.Skip(Math.Max(0, lines.Length - 3)));
            return $"exit code {exitCode?.ToString() ?? "none"}{(tail.Length > 0 ? ": " + tail : "")}";
        }
    }
}
