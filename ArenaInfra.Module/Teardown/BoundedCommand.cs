using System;
using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace ArenaInfra.Teardown
{
    /// <summary>What a local command gave: its exit code and output, or that it could not be run at all.</summary>
    internal sealed class CommandAnswer
    {
        public CommandAnswer(int exitCode, string output, string error, bool notFound = false)
        {
            ExitCode = exitCode;
            Output = output;
            Error = error;
            NotFound = notFound;
        }

        public int ExitCode { get; }
        public string Output { get; }
        public string Error { get; }
        /// <summary>The program does not exist on this machine.</summary>
        public bool NotFound { get; }
    }

    /// <summary>
    /// Runs one local program (no shell) with a time limit and a cap on what it may print: a crontab
    /// or a task list is small, so anything larger is an answer gone wrong and is refused, not read on.
    /// </summary>
    internal static class BoundedCommand
    {
        public const int MaxOutputChars = 1024 * 1024;

        /// <summary>The answer; throws TimeoutException, InvalidDataException (too long), or OperationCanceledException.</summary>
        public static async Task<CommandAnswer> RunAsync(string[] command, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var info = new ProcessStartInfo(command[0])
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                CreateNoWindow = true,
            };
            // netstandard2.0 has no ArgumentList: each argument is quoted for the usual argv parsing.
            info.Arguments = string.Join(" ", Array.ConvertAll(command, Quote), 1, command.Length - 1);
            using var process = new Process { StartInfo = info };
            try
            {
                process.Start();
            }
            catch (Win32Exception)
            {
                return new CommandAnswer(-1, "", "", notFound: true);
            }
            process.StandardInput.Close();
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(timeout);
            try
            {
                var output = ReadCappedAsync(process.StandardOutput, limit.Token);
                var error = ReadCappedAsync(process.StandardError, limit.Token);
                // One stream past the cap ends the run at once: waiting for the other would wait out the time limit.
                var first = await Task.WhenAny(output, error).ConfigureAwait(false);
                if (first.IsFaulted) first.GetAwaiter().GetResult();
                await Task.WhenAll(output, error).ConfigureAwait(false);
                while (!process.WaitForExit(50)) limit.Token.ThrowIfCancellationRequested();
                return new CommandAnswer(process.ExitCode, output.Result, error.Result);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                Kill(process);
                throw new TimeoutException($"'{command[0]}' did not finish within {timeout.TotalSeconds:0} s");
            }
            catch
            {
                // The other stream's reader ends too, rather than wait on a token nobody cancels.
                limit.Cancel();
                Kill(process);
                throw;
            }
        }

        private static async Task<string> ReadCappedAsync(System.IO.StreamReader reader, CancellationToken token)
        {
            var text = new StringBuilder();
            var buffer = new char[8192];
            while (true)
            {
                var read = reader.ReadAsync(buffer, 0, buffer.Length);
                var done = await Task.WhenAny(read, Task.Delay(Timeout.Infinite, token)).ConfigureAwait(false);
                if (done != read) token.ThrowIfCancellationRequested();
                var n = await read.ConfigureAwait(false);
                if (n == 0) return text.ToString();
                if (text.Length + n > MaxOutputChars) throw new System.IO.InvalidDataException($"it printed more than {MaxOutputChars} characters");
                text.Append(buffer, 0, n);
            }
        }

        private static void Kill(Process process)
        {
            try
            {
                if (!process.HasExited) process.Kill();
            }
            catch (InvalidOperationException)
            {
            }
            catch (Win32Exception)
            {
            }
        }

        /// <summary>Our commands are fixed words; a quote in one would change how it splits, so there is none.</summary>
        private static string Quote(string argument)
        {
            if (argument.IndexOf('"') >= 0) throw new ArgumentException("a command argument may not contain a double quote", nameof(argument));
            return argument.Length > 0 && argument.IndexOfAny(new[] { ' ', '\t' }) < 0 ? argument : "\"" + argument + "\"";
        }
    }
}
