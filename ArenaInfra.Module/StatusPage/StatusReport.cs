using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using ArenaInfra.Health;

namespace ArenaInfra.StatusPage
{
    /// <summary>What the page says of a machine.</summary>
    internal enum MachineState
    {
        /// <summary>Its sshd answered the probe: a participant can connect now.</summary>
        Up,
        /// <summary>On its way: RunPod is starting it, or it runs but its sshd has not answered yet.</summary>
        Starting,
        /// <summary>Stopped, gone, failed, or running for long with no sshd answering.</summary>
        Down,
    }

    /// <summary>
    /// The status of the chosen pods, judged from RunPod's record, a probe of each pod's sshd and the
    /// last deep checks, and made into the page's allow-listed file.
    /// </summary>
    internal static class StatusReport
    {
        /// <summary>How long a running pod whose sshd is silent is still taken as booting rather than broken.</summary>
        public static readonly TimeSpan StartGrace = TimeSpan.FromMinutes(10);
        /// <summary>Pods probed at once: a fleet of fifty answers within about one probe timeout.</summary>
        public const int Parallel = 32;
        internal const int MaxMachineName = 100;
        internal const int MaxGpu = 60;

        /// <summary>
        /// Up only when its sshd answered. A running pod whose sshd did not is Starting for its first
        /// StartGrace of uptime (or while RunPod reports no uptime: the container is still coming up),
        /// then Down: participants are told to wait only while waiting can help. A pod being
        /// provisioned is Starting; a stopped, terminated, failed or unknown one is Down, and so is one
        /// with no public address to reach (SshProblem).
        /// </summary>
        public static MachineState StateOf(ArenaPod pod, bool sshdAnswered)
        {
            if (sshdAnswered) return MachineState.Up;
            if (pod.SshProblem != null) return MachineState.Down;
            switch (pod.Status)
            {
                case ArenaPodStatus.Provisioning:
                    return MachineState.Starting;
                case ArenaPodStatus.Starting:
                case ArenaPodStatus.Running:
                    return pod.Uptime is TimeSpan up && up >= StartGrace ? MachineState.Down : MachineState.Starting;
                default:
                    return MachineState.Down;
            }
        }

        /// <summary>The pods worth probing: running, with an address and port that are what they claim to be.</summary>
        public static bool Probeable(ArenaPod pod) =>
            pod.Status == ArenaPodStatus.Running && pod.PublicIp != null && pod.SshPort != null
            && UntrustedValue.HostProblem(pod.PublicIp) == null && UntrustedValue.PortProblem(pod.SshPort) == null;

        /// <summary>Probes every probeable pod's sshd, at most Parallel at once; the ids of those that answered.</summary>
        public static async Task<HashSet<string>> ProbeAsync(IReadOnlyList<ArenaPod> pods, TimeSpan timeout, IArenaLog log, CancellationToken cancellationToken)
        {
            var answered = new HashSet<string>(StringComparer.Ordinal);
            using var gate = new SemaphoreSlim(Parallel);
            var probes = pods.Where(Probeable).Select(async pod =>
            {
                await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    var answers = await SshGreetingProbe.AnswersAsync(pod.PublicIp!, pod.SshPort!.Value, timeout, cancellationToken).ConfigureAwait(false);
                    log.Verbose(answers ? $"{pod.Name}: its sshd answered." : $"{pod.Name}: its sshd did not answer within {timeout.TotalSeconds:0.#} s.");
                    return (pod.Id, answers);
                }
                finally
                {
                    gate.Release();
                }
            }).ToList();
            foreach (var (id, answers) in await Task.WhenAll(probes).ConfigureAwait(false))
            {
                if (answers) answered.Add(id);
            }
            return answered;
        }

        /// <summary>The page's file: each pod's allowed fields, copied one by one, in the order given.</summary>
        public static StatusFile Build(IEnumerable<ArenaPod> pods, ISet<string> answered, IReadOnlyDictionary<string, HealthRecord> health, DateTimeOffset now)
        {
            var second = new DateTimeOffset(now.UtcDateTime.Ticks - now.UtcDateTime.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
            var file = new StatusFile { Written = Time(second), WrittenAt = second };
            foreach (var pod in pods)
            {
                health.TryGetValue(pod.Id, out var record);
                var verdict = record?.ParsedVerdict;
                file.Machines.Add(new StatusMachine
                {
                    Machine = Shown(pod.MachineName ?? pod.Name, MaxMachineName),
                    Gpu = pod.GpuType == null ? null : Shown(pod.GpuCount > 1 ? $"{pod.GpuCount} x {pod.GpuType}" : pod.GpuType, MaxGpu),
                    State = Word(StateOf(pod, answered.Contains(pod.Id))),
                    Check = verdict?.ToString().ToUpperInvariant(),
                    CheckedAt = verdict == null ? null : Time(record!.CheckedAt),
                });
            }
            return file;
        }

        public static string Word(MachineState state) => state.ToString().ToLowerInvariant();

        private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        /// <summary>Text from RunPod as the page may show it: one line, no control or reordering marks, bounded.</summary>
        private static string Shown(string text, int max)
        {
            var line = TerminalText.SafeLine(text);
            return line.Length <= max ? line : line.Substring(0, max - 3) + "...";
        }
    }
}
