using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;

namespace ArenaInfra.Ssh
{
    /// <summary>Test-ArenaPod's work for one pod: one connection, one command, one result, never an exception.</summary>
    internal static class PodTester
    {
        public static ArenaPodTestResult Test(SshTarget target, SshSettings settings, string? customCommand, string condaEnv, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            var result = new ArenaPodTestResult
            {
                Name = target.Pod.Name,
                MachineName = target.Pod.MachineName,
                PodId = target.Pod.Id,
                Endpoint = target.Endpoint,
            };
            try
            {
                using var connection = SshPodConnection.Open(target, settings, cancellationToken);
                var output = connection.Run(customCommand ?? PodCheck.Command(condaEnv), timeout, cancellationToken);
                result.ExitCode = output.ExitCode;
                result.Output = (output.StdOut + output.StdErr).Trim();
                if (customCommand == null)
                {
                    var (torch, cuda, gpu, computeOk) = PodCheck.Parse(output.StdOut);
                    result.TorchVersion = torch;
                    result.CudaAvailable = cuda;
                    result.GpuName = gpu;
                    result.Passed = output.ExitCode == 0 && cuda == true && computeOk;
                    if (!result.Passed && !output.TimedOut)
                    {
                        result.Error = torch == null ? $"torch did not load in the conda env '{condaEnv}' (exit code {output.ExitCode}): {Last(output.StdErr)}"
                            : cuda != true ? "CUDA is not available: the GPU is missing or broken"
                            : !computeOk ? "the computation on the GPU failed" : $"the check failed (exit code {output.ExitCode})";
                    }
                }
                else
                {
                    result.Passed = output.ExitCode == 0;
                    if (!result.Passed && !output.TimedOut) result.Error = $"exit code {output.ExitCode?.ToString() ?? "none"}{(output.StdErr.Trim().Length > 0 ? ": " + Last(output.StdErr) : "")}";
                }
                if (output.TimedOut) result.Error = $"the check did not finish within {timeout.TotalSeconds:0.#} s";
                result.Stage = result.Passed ? ArenaTestStage.Passed : ArenaTestStage.Command;
            }
            catch (SshStageException e)
            {
                result.Stage = e.Stage;
                result.Error = e.Message;
            }
            catch (Exception e) when (!(e is OperationCanceledException))
            {
                // One pod's surprise must not end the run for the others.
                result.Stage = ArenaTestStage.Command;
                result.Error = e.Message;
            }
            result.Duration = clock.Elapsed;
            return result;
        }

        private static string Last(string text)
        {
            var lines = text.Trim().Split('\n');
            return lines[lines.Length - 1].Trim();
        }
    }

    /// <summary>Invoke-ArenaPodCommand's work for one pod: run a command, or upload a script and run it.</summary>
    internal static class PodCommandRunner
    {
        public static (ArenaCommandResult? Result, SshStageException? Failure) Run(SshTarget target, SshSettings settings, string? command, byte[]? script, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            try
            {
                using var connection = SshPodConnection.Open(target, settings, cancellationToken);
                var text = command!;
                if (script != null)
                {
                    var remote = $"/tmp/arena-{Guid.NewGuid():N}.sh";
                    // SSH.NET takes the mode as its octal digits written in decimal.
                    using (var content = new MemoryStream(script)) connection.Upload(content, remote, 700, cancellationToken);
                    text = $"bash {remote}; status=$?; rm -f {remote}; exit $status";
                }
                var output = connection.Run(text, timeout, cancellationToken);
                return (new ArenaCommandResult
                {
                    Name = target.Pod.Name,
                    MachineName = target.Pod.MachineName,
                    PodId = target.Pod.Id,
                    ExitCode = output.ExitCode,
                    StdOut = output.StdOut,
                    StdErr = output.StdErr,
                    TimedOut = output.TimedOut,
                    Succeeded = output.ExitCode == 0 && !output.TimedOut,
                    Duration = clock.Elapsed,
                }, null);
            }
            catch (SshStageException e)
            {
                return (null, e);
            }
            catch (Exception e) when (!(e is OperationCanceledException))
            {
                // One pod's surprise must not end the run for the others.
                return (null, new SshStageException(ArenaTestStage.Command, "SshOperationFailed", $"{target.Pod.Name}: {e.Message}", e));
            }
        }

        public static byte[] ScriptBytes(string text) => new UTF8Encoding(false).GetBytes(text.Replace("\r\n", "\n"));
    }
}
