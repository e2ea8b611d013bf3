using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;

namespace ArenaInfra.Ssh
{
    /// <summary>
    /// One pod's run of a multi-step operation: one connection, named steps, and the first failing step
    /// with its message recorded on the result. Never throws but for cancellation.
    /// </summary>
    internal sealed class PodSession
    {
        private readonly SshPodConnection _connection;
        private readonly ArenaPodOperationResult _result;
        private readonly TimeSpan _timeout;
        private readonly CancellationToken _cancellation;

        private PodSession(SshPodConnection connection, ArenaPodOperationResult result, TimeSpan timeout, CancellationToken cancellation, string home)
        {
            _connection = connection;
            _result = result;
            _timeout = timeout;
            _cancellation = cancellation;
            Home = home;
        }

        public SshPodConnection Connection => _connection;
        public ArenaPodOperationResult Result => _result;
        public CancellationToken Cancellation => _cancellation;
        /// <summary>The pod user's $HOME, to expand ~ in paths that SFTP takes literally.</summary>
        public string Home { get; }

        public static T Run<T>(SshTarget target, SshSettings settings, TimeSpan timeout, CancellationToken cancellation, Func<PodSession, bool> steps)
            where T : ArenaPodOperationResult, new()
        {
            var clock = Stopwatch.StartNew();
            var result = new T { Name = target.Pod.Name, MachineName = target.Pod.MachineName, PodId = target.Pod.Id };
            try
            {
                using var connection = SshPodConnection.Open(target, settings, cancellation);
                var home = connection.Run("printf %s \"$HOME\"", TimeSpan.FromSeconds(30), cancellation).StdOut;
                result.Succeeded = steps(new PodSession(connection, result, timeout, cancellation, home));
            }
            catch (SshStageException e)
            {
                result.FailedStep ??= e.Stage == ArenaTestStage.Command ? "Command" : "Connect";
                result.Error ??= e.Message;
                result.Succeeded = false;
            }
            catch (Exception e) when (!(e is OperationCanceledException))
            {
                result.FailedStep ??= "Unexpected";
                result.Error ??= e.Message;
                result.Succeeded = false;
            }
            result.Duration = clock.Elapsed;
            return result;
        }

        /// <summary>Runs a step's command; false (and the step recorded as failed) on a non-zero exit.</summary>
        public bool Step(string step, string command, byte[]? input = null) => Check(step, Shell(command, input));

        public CommandOutput Shell(string command, byte[]? input = null) =>
            input == null ? _connection.Run(command, _timeout, _cancellation) : _connection.Run(command, input, _timeout, _cancellation);

        public bool Check(string step, CommandOutput output)
        {
            if (output.ExitCode == 0 && !output.TimedOut) return true;
            Fail(step, output.TimedOut ? $"did not finish within {_timeout.TotalSeconds:0} s" : Last(output.StdErr.Trim().Length > 0 ? output.StdErr : output.StdOut, output.ExitCode));
            return false;
        }

        public bool Fail(string step, string error)
        {
            _result.FailedStep = step;
            _result.Error = error;
            return false;
        }

        /// <summary>A remote path with a leading ~ made absolute.</summary>
        public string Expand(string path) =>
            path == "~" ? Home : path.StartsWith("~/", StringComparison.Ordinal) ? Home.TrimEnd('/') + path.Substring(1) : path;

        private static string Last(string text, int? exitCode)
        {
            var lines = text.Trim().Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
            var tail = string.Join(" | ", lines.Skip(Math.Max(0, lines.Length - 3)));
            return $"exit code {exitCode?.ToString() ?? "none"}{(tail.Length > 0 ? ": " + tail : "")}";
        }
    }
}
