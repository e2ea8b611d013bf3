using System;
using System.Security.Cryptography;
using ArenaInfra.Operations;

namespace ArenaInfra.Idle
{
    /// <summary>
    /// Get-ArenaIdlePod on one pod: the probe's one command, its output read strictly (IdleReadings),
    /// and the verdict (IdleJudge). Read-only: nothing on the pod is changed, nothing is stopped.
    /// </summary>
    internal sealed class IdlePodOperation : PodOperation<ArenaIdlePodReport>
    {
        private readonly string _repoName;
        private readonly TimeSpan _hours;

        public IdlePodOperation(string repoName, TimeSpan hours)
        {
            _repoName = repoName;
            _hours = hours;
        }

        public override string Activity => "Looking for idle pods";

        protected override bool Work(PodSession pod, ArenaIdlePodReport result)
        {
            result.Hours = _hours.TotalHours;
            result.CostPerHour = pod.Pod.CostPerHour;
            var nonce = Nonce();
            var output = pod.Shell(IdleProbeScript.Command(_repoName, nonce));
            var readings = IdleReadings.Read(output.StdOut, nonce);
            if (readings.Ignored > 0) pod.Log.Verbose($"{pod.Pod.Name}: {readings.Ignored} line(s) of the idle probe's output were not in its shapes and were ignored.");
            result.Judge(readings, _hours);
            if (result.Verdict == ArenaIdleVerdict.Idle)
            {
                var id = PodCheck.ShellQuote(pod.Pod.Id);
                result.Commands = new[] { $"Save-ArenaPodWork -Id {id}", $"Backup-ArenaPod -Id {id}", $"Stop-ArenaPod -Id {id}" };
            }
            if (output.TimedOut) return pod.Fail("Probe", $"the idle probe did not finish within {Timeout.TotalSeconds:0} s");
            if (!readings.Finished) return pod.Fail("Probe", $"the idle probe did not run to its end ({PodSession.Last(output.StdErr, output.ExitCode)})");
            return true;
        }

        protected override void Failed(ArenaIdlePodReport result, string step, string errorId, string error)
        {
            base.Failed(result, step, errorId, error);
            result.Hours = _hours.TotalHours;
            result.Verdict = ArenaIdleVerdict.Unknown;
            result.Reasons = new[] { "no answer: " + error };
        }

        private static string Nonce()
        {
            var bytes = new byte[12];
            using (var random = RandomNumberGenerator.Create()) random.GetBytes(bytes);
            return BitConverter.ToString(bytes).Replace("-", "");
        }
    }
}
