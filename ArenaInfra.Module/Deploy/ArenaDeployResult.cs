using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace ArenaInfra
{
    /// <summary>The stages of a pod's way to READY, in order; a failed pod's Stage is where it stopped.</summary>
    public enum ArenaDeployStage
    {
        /// <summary>The pod is created (or an existing one taken as it is).</summary>
        Created,
        /// <summary>RunPod gives it a public SSH endpoint and the port accepts a connection.</summary>
        SshReady,
        /// <summary>Initialize-ArenaPod's steps.</summary>
        SetUp,
        /// <summary>Roster mode: the participants' keys synced into the pod.</summary>
        Access,
        /// <summary>-Secrets set on the pod.</summary>
        Secrets,
        /// <summary>The check (a pod that fails it is replaced on another machine, up to -MaxReplacements).</summary>
        Check,
        /// <summary>-Lock: the pod locked in RunPod.</summary>
        Lock,
        Ready,
    }

    /// <summary>How a pod's deployment ended.</summary>
    public enum ArenaDeployStatus
    {
        Ready,
        Failed,
    }

    /// <summary>How long one stage took; a replaced pod's stages come again, in the order they ran.</summary>
    public sealed class ArenaDeployStageTime
    {
        public ArenaDeployStage Stage { get; internal set; }
        public double Seconds { get; internal set; }

        public override string ToString() => string.Format(CultureInfo.InvariantCulture, "{0} {1:0.0}s", Stage, Seconds);
    }

    /// <summary>One pod's way through Deploy-ArenaPod, written the moment that pod is READY or FAILED.</summary>
    public sealed class ArenaDeployResult
    {
        private string? _error;

        public string Name { get; internal set; } = "";
        public string? MachineName { get; internal set; }
        /// <summary>The pod the name ended with (the last replacement, when there was one); null when none was created.</summary>
        public string? PodId { get; internal set; }
        /// <summary>RunPod's id of the machine the pod runs on, when RunPod gives one.</summary>
        public string? MachineId { get; internal set; }
        public ArenaDeployStatus Status { get; internal set; }
        /// <summary>Ready, or the stage the pod failed at.</summary>
        public ArenaDeployStage Stage { get; internal set; }
        /// <summary>Why it failed, terminal-safe; null for a READY pod.</summary>
        public string? Error { get => _error; internal set => _error = value == null ? null : TerminalText.Safe(value); }
        /// <summary>The failing stage's own error id (PodNotReady, SshConnectFailed, PodLocked, ...); null for a READY pod.</summary>
        public string? ErrorId { get; internal set; }
        /// <summary>The pod existed before this run and was taken as it was.</summary>
        public bool Existing { get; internal set; }
        /// <summary>Each stage's time, in the order the stages ran.</summary>
        public ArenaDeployStageTime[] StageSeconds { get; internal set; } = Array.Empty<ArenaDeployStageTime>();
        /// <summary>From the start of the pod's way (its create) to READY or FAILED, replacements included.</summary>
        public double TotalSeconds { get; internal set; }
        /// <summary>How many times the name's pod was terminated and created again after failing its check.</summary>
        public int Replacements { get; internal set; }
        /// <summary>The machines given up in this run (RunPod's machine id, else the pod's id), in order.</summary>
        public string[] GivenUpMachines { get; internal set; } = Array.Empty<string>();
        /// <summary>The last check's result, with its lines when the check gives them; null when the pod never got there.</summary>
        public ArenaPodTestResult? CheckResult { get; internal set; }
        /// <summary>The deep check's verdicts, one a check (empty for -TestCommand or when the pod never got to its check).</summary>
        public System.Collections.Generic.IReadOnlyList<ArenaPodCheck> Checks => CheckResult?.Checks ?? Array.Empty<ArenaPodCheck>();
        /// <summary>The pod as RunPod last gave it.</summary>
        public ArenaPod? Pod { get; internal set; }
        public bool Locked { get; internal set; }

        public override string ToString() =>
            $"{TerminalText.SafeLine(Name)}: " + (Status == ArenaDeployStatus.Ready
                ? string.Format(CultureInfo.InvariantCulture, "READY after {0:0.0} s", TotalSeconds)
                : $"FAILED at {Stage}: {TerminalText.SafeLine(Error)}");
    }

    /// <summary>Deploy-ArenaPod's closing count, written to the Information stream (shown when a pod failed).</summary>
    public sealed class ArenaDeploySummary
    {
        public int Requested { get; internal set; }
        public string[] Ready { get; internal set; } = Array.Empty<string>();
        /// <summary>Each pod that failed, with its stage: "camp-bravo (Check)".</summary>
        public string[] Failed { get; internal set; } = Array.Empty<string>();
        /// <summary>Pods that existed before the run and were taken as they were.</summary>
        public string[] Existing { get; internal set; } = Array.Empty<string>();
        public int Replacements { get; internal set; }
        /// <summary>Seconds until the last pod was done.</summary>
        public double Seconds { get; internal set; }
        public bool Published { get; internal set; }

        internal static ArenaDeploySummary Of(int requested, IReadOnlyList<ArenaDeployResult> results, double seconds, bool published) => new ArenaDeploySummary
        {
            Requested = requested,
            Ready = results.Where(r => r.Status == ArenaDeployStatus.Ready).Select(r => r.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray(),
            Failed = results.Where(r => r.Status != ArenaDeployStatus.Ready).OrderBy(r => r.Name, StringComparer.Ordinal).Select(r => $"{r.Name} ({r.Stage})").ToArray(),
            Existing = results.Where(r => r.Existing).Select(r => r.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray(),
            Replacements = results.Sum(r => r.Replacements),
            Seconds = seconds,
            Published = published,
        };

        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture, "Deploy-ArenaPod: {0} of {1} pod{2} READY in {3:0} s", Ready.Length, Requested, Requested == 1 ? "" : "s", Seconds)
            + (Failed.Length > 0 ? $"; {Failed.Length} failed: {TerminalText.SafeLine(string.Join(", ", Failed))}" : "")
            + (Existing.Length > 0 ? $"; {Existing.Length} existed and were taken as they were" : "")
            + (Replacements > 0 ? $"; {Replacements} replaced after a failed check" : "")
            + ".";
    }
}
