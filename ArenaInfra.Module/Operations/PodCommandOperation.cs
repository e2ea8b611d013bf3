using System;
using System.IO;
using System.Text;

namespace ArenaInfra.Operations
{
    /// <summary>Invoke-ArenaPodCommand on one pod: run a command, or upload a script and run it.</summary>
    internal sealed class PodCommandOperation : PodOperation<ArenaCommandResult>
    {
        private readonly string? _command;
        private readonly byte[]? _script;

        public PodCommandOperation(string? command, byte[]? script)
        {
            _command = command;
            _script = script;
        }

        public override string Activity => "Running the command on pods";

        protected override bool Work(PodSession pod, ArenaCommandResult result)
        {
            var text = _command!;
            if (_script != null)
            {
                var remote = $"/tmp/arena-{Guid.NewGuid():N}.sh";
                // SSH.NET takes the mode as its octal digits written in decimal.
                using (var content = new MemoryStream(_script)) pod.Connection.Upload(content, remote, 700, pod.Cancellation);
                text = $"bash {remote}; status=$?; rm -f {remote}; exit $status";
            }
            var output = pod.Shell(text);
            result.ExitCode = output.ExitCode;
            result.StdOut = output.StdOut;
            result.StdErr = output.StdErr;
            result.TimedOut = output.TimedOut;
            // A non-zero exit is the command's answer, not a failure of ours: no FailedStep for it.
            return output.ExitCode == 0 && !output.TimedOut;
        }

        public static byte[] ScriptBytes(string text) => new UTF8Encoding(false).GetBytes(text.Replace("\r\n", "\n"));
    }
}
