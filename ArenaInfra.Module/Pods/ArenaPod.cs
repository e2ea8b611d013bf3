using System;
using System.Collections.Generic;

namespace ArenaInfra
{
    public enum ArenaPodStatus
    {
        Unknown,
        /// <summary>RunPod says RUNNING, but there is no public SSH endpoint yet.</summary>
        Starting,
        Running,
        /// <summary>
        /// RunPod's EXITED: stopped. The container disk was erased by the stop; only the volume (at
        /// /workspace) is kept, and billed for storage. The pod stays tied to its host.
        /// </summary>
        Stopped,
        Terminated,
        /// <summary>RunPod's PROVISIONING: a machine is being found and the pod set up on it.</summary>
        Provisioning,
        /// <summary>RunPod's ERROR: the container is in an unrecoverable state; it will not become ready by waiting.</summary>
        Error,
        /// <summary>
        /// A machine made by hand (Provider Static) whose sshd did not greet a quick probe: not reachable
        /// now. Whether it runs is its owner's to say; the module cannot start it.
        /// </summary>
        Down,
    }

    /// <summary>Who made a machine, and so who is asked to stop, start or remove it.</summary>
    public enum ArenaProvider
    {
        RunPod,
        /// <summary>A machine made by hand, listed in the hosts file (ARENA_HOSTS): SSH works, its lifecycle is the organiser's.</summary>
        Static,
        Vast,
    }

    /// <summary>One machine of the fleet as the module sees it: a RunPod pod, or one another provider made.</summary>
    public sealed class ArenaPod
    {
        /// <summary>Who made the machine (RunPod unless a provider says otherwise).</summary>
        public ArenaProvider Provider { get; internal set; } = ArenaProvider.RunPod;
        public string Id { get; internal set; } = "";
        public string Name { get; internal set; } = "";
        /// <summary>The name without '&lt;prefix&gt;-'; null for a pod outside the fleet.</summary>
        public string? MachineName { get; internal set; }
        public ArenaPodStatus Status { get; internal set; }
        /// <summary>RunPod's own status word as sent (RUNNING, EXITED, PROVISIONING, ...): v2's status, GraphQL's desiredStatus.</summary>
        public string? DesiredStatus { get; internal set; }
        public string? PublicIp { get; internal set; }
        public int? SshPort { get; internal set; }
        /// <summary>The user SSH logs in as on this machine (a machine made by hand names its own); null: the config's SSH_USER.</summary>
        public string? SshUser { get; internal set; }
        public int? ProxyPort { get; internal set; }
        /// <summary>The GPU's display name ('RTX A4000').</summary>
        public string? GpuType { get; internal set; }
        /// <summary>RunPod's GPU type id ('NVIDIA RTX A4000'), as New-ArenaPod -GpuType takes it.</summary>
        public string? GpuTypeId { get; internal set; }
        public int GpuCount { get; internal set; }
        /// <summary>The cloud the pod was created on (COMMUNITY or SECURE), when this session created it.</summary>
        public string? CloudType { get; internal set; }
        public decimal? CostPerHour { get; internal set; }
        public string? Image { get; internal set; }
        public TimeSpan? Uptime { get; internal set; }
        public string? LastStatusEvent { get; internal set; }
        public DateTimeOffset? LastStatusChangedAt { get; internal set; }
        public string? LastStatusChange { get; internal set; }
        public IReadOnlyDictionary<string, string> Env { get; internal set; } = new Dictionary<string, string>();
        public string? MachineId { get; internal set; }
        public string? Location { get; internal set; }
        public int? DiskSizeGB { get; internal set; }
        /// <summary>The volume's size; 0 or null: the pod has no volume, so a stop erases everything on it.</summary>
        public int? VolumeSizeGB { get; internal set; }
        /// <summary>Where the volume is mounted (/workspace): the only place a stop does not erase.</summary>
        public string? VolumeMountPath { get; internal set; }
        public DateTimeOffset? CreatedAt { get; internal set; }
        /// <summary>When the pod last started (REST v2); null while it has not.</summary>
        public DateTimeOffset? StartedAt { get; internal set; }
        /// <summary>What RunPod allows now: start, stop, restart, terminate (REST v2; empty when not known).</summary>
        public string[] AllowedActions { get; internal set; } = Array.Empty<string>();
        /// <summary>
        /// RunPod's lock: while true, RunPod refuses to stop, restart or terminate the pod (from any
        /// client), so the module refuses first (PodLocked). Null when the API does not say (GraphQL
        /// has no such field): unknown, never taken as unlocked proof.
        /// </summary>
        public bool? Locked { get; internal set; }
        /// <summary>Why the pod cannot be reached over SSH although it runs (its host has no public IP); null otherwise.</summary>
        public string? SshProblem { get; internal set; }
        /// <summary>The last deep check's verdict (Test-ArenaPod -Deep), as kept in the data folder; null when never checked here.</summary>
        public ArenaCheckVerdict? Health { get; internal set; }
        /// <summary>When that deep check ran.</summary>
        public DateTimeOffset? HealthCheckedAt { get; internal set; }
        private string? _healthReason;
        /// <summary>That check's first failing (else warning) check and why, terminal-safe; null when it passed.</summary>
        public string? HealthReason { get => _healthReason; internal set => _healthReason = value == null ? null : ArenaPodCheck.Bounded(value); }
        private string? _repoOnVolume;
        /// <summary>Where Initialize-ArenaPod saw the course repo on the pod's volume since the pod last started (then a stop erases only the rest of the home); null when not seen there.</summary>
        public string? RepoOnVolume { get => _repoOnVolume; internal set => _repoOnVolume = value == null ? null : TerminalText.Safe(value); }
        /// <summary>Why the state is not known now: the provider did not answer, so this is the machine as last listed (terminal-safe); null when it answered.</summary>
        public string? ProviderProblem { get; internal set; }
        /// <summary>When RunPod reported this state; Uptime counts back from here.</summary>
        public DateTimeOffset RetrievedAt { get; internal set; }

        /// <summary>True when the pod's name has the fleet's prefix.</summary>
        public bool IsFleetPod { get; internal set; }

        /// <summary>'ip:port' of the public SSH endpoint, or null.</summary>
        public string? SshEndpoint => PublicIp != null && SshPort != null ? $"{PublicIp}:{SshPort}" : null;

        /// <summary>True when the pod has a volume, so a stop keeps at least what is under VolumeMountPath.</summary>
        public bool HasVolume => VolumeSizeGB is int size && size > 0;

        public override string ToString() => Name;
    }
}
