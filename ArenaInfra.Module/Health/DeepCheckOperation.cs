using System;
using System.Linq;
using ArenaInfra.Operations;

namespace ArenaInfra.Health
{
    /// <summary>
    /// Test-ArenaPod -Deep on one pod: the deep check's one command, its output read strictly
    /// (DeepCheckReport), and the verdict kept in the data folder (HealthStore) for Get-ArenaPod.
    /// </summary>
    internal sealed class DeepCheckOperation : PodOperation<ArenaPodTestResult>
    {
        private readonly DeepCheckOptions _options;
        private readonly HealthStore? _store;

        public DeepCheckOperation(DeepCheckOptions options) : this(options, HealthStore.Open()) { }

        internal DeepCheckOperation(DeepCheckOptions options, HealthStore? store)
        {
            _options = options;
            _store = store;
            Timeout = options.Budget + DeepCheckScript.Grace;
        }

        public override string Activity => "Checking pods deeply";

        protected override bool Work(PodSession pod, ArenaPodTestResult result)
        {
            result.Deep = true;
            result.MachineId = pod.Pod.MachineId;
            var output = pod.Shell(DeepCheckScript.Command(_options));
            result.ExitCode = output.ExitCode;
            result.Output = (output.StdOut + output.StdErr).Trim();
            var report = DeepCheckReport.Read(output, pod.Pod.GpuCount, _options);
            result.Checks = report.Checks;
            result.TorchVersion = report.TorchVersion;
            var torch = result.Checks.FirstOrDefault(c => c.Name == "torch");
            result.CudaAvailable = torch == null ? (bool?)null : torch.Verdict == ArenaCheckVerdict.Pass;
            if (report.Ignored > 0) pod.Log.Verbose($"{pod.Pod.Name}: {report.Ignored} line(s) of the deep check's output were not in its shapes and were ignored.");
            var passed = report.Passed;
            result.Stage = passed ? ArenaTestStage.Passed : ArenaTestStage.Command;
            if (!passed)
            {
                var first = result.FirstProblem;
                result.FailedStep = nameof(ArenaTestStage.Command);
                result.ErrorId = ArenaErrorIds.PodOperationFailed;
                result.Error = first == null ? "the deep check failed" : $"{first.Name}: {first.Reason}";
            }
            Keep(pod, result, passed);
            return passed;
        }

        protected override void Failed(ArenaPodTestResult result, string step, string errorId, string error)
        {
            base.Failed(result, step, errorId, error);
            result.Deep = true;
            result.Stage = Enum.TryParse<ArenaTestStage>(step, out var stage) ? stage : ArenaTestStage.Command;
        }

        private void Keep(PodSession pod, ArenaPodTestResult result, bool passed)
        {
            if (_store == null) return;
            try
            {
                _store.Record(HealthRecord.Of(result, passed, DateTimeOffset.UtcNow));
            }
            catch (Exception e) when (e is System.IO.IOException || e is UnauthorizedAccessException || e is ArenaException)
            {
                pod.Log.Warning($"{pod.Pod.Name}: the deep check's verdict could not be kept in {_store.FilePath}: {e.Message}");
            }
        }
    }
}
