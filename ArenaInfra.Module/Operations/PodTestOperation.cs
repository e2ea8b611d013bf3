using System;

namespace ArenaInfra.Operations
{
    /// <summary>Test-ArenaPod on one pod: one command (the GPU check, or the user's), and which stage failed.</summary>
    internal sealed class PodTestOperation : PodOperation<ArenaPodTestResult>
    {
        private readonly string? _customCommand;
        private readonly string _condaEnv;

        public PodTestOperation(string? customCommand, string condaEnv)
        {
            _customCommand = customCommand;
            _condaEnv = condaEnv;
        }

        public override string Activity => "Testing pods";

        protected override bool Work(PodSession pod, ArenaPodTestResult result)
        {
            var output = pod.Shell(_customCommand ?? PodCheck.Command(_condaEnv));
            result.ExitCode = output.ExitCode;
            result.Output = (output.StdOut + output.StdErr).Trim();
            bool passed;
            if (_customCommand == null)
            {
                var (torch, cuda, gpu, computeOk) = PodCheck.Parse(output.StdOut);
                result.TorchVersion = torch;
                result.CudaAvailable = cuda;
                result.GpuName = gpu;
                passed = output.ExitCode == 0 && cuda == true && computeOk;
                if (!passed && !output.TimedOut)
                {
                    result.Error = torch == null ? PodCheck.WhatIsMissing(output.StdErr, _condaEnv) ?? $"torch did not load in the conda env '{_condaEnv}' (exit code {output.ExitCode}): {LastLine(output.StdErr)}"
                        : cuda != true ? "CUDA is not available: the GPU is missing or broken"
                        : !computeOk ? "the computation on the GPU failed" : $"the check failed (exit code {output.ExitCode})";
                }
            }
            else
            {
                passed = output.ExitCode == 0 && !output.TimedOut;
                if (!passed && !output.TimedOut) result.Error = $"exit code {output.ExitCode?.ToString() ?? "none"}{(output.StdErr.Trim().Length > 0 ? ": " + LastLine(output.StdErr) : "")}";
            }
            if (output.TimedOut) result.Error = $"the check did not finish within {Timeout.TotalSeconds:0.#} s";
            result.Stage = passed ? ArenaTestStage.Passed : ArenaTestStage.Command;
            if (!passed)
            {
                result.FailedStep = nameof(ArenaTestStage.Command);
                result.ErrorId = ArenaErrorIds.PodOperationFailed;
            }
            return passed;
        }

        protected override void Failed(ArenaPodTestResult result, string step, string errorId, string error)
        {
            base.Failed(result, step, errorId, error);
            result.Stage = Enum.TryParse<ArenaTestStage>(step, out var stage) ? stage : ArenaTestStage.Command;
        }

        private static string LastLine(string text)
        {
            var lines = text.Trim().Split('\n');
            return lines[lines.Length - 1].Trim();
        }
    }
}
