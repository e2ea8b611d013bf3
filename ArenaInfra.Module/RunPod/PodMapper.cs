using System;
using System.Collections.Generic;
using System.Linq;
using ArenaInfra.Common;
using ArenaInfra.Config;
using ArenaInfra.Proxy;
using ArenaInfra.RunPod.GraphQl;
using ArenaInfra.RunPod.Wire;
using Newtonsoft.Json.Linq;

namespace ArenaInfra.RunPod
{
    /// <summary>Turns RunPod's pod (GraphQL or REST v2) into an ArenaPod: the only place that interprets RunPod's fields.</summary>
    internal sealed class PodMapper
    {
        private readonly FleetNaming _naming;
        private readonly ProxyPortPlan _ports;

        public PodMapper(FleetNaming naming, ProxyPortPlan ports)
        {
            _naming = naming;
            _ports = ports;
        }

        public static PodMapper For(ArenaConfig config) => new PodMapper(new FleetNaming(config.Prefix), ProxyPortPlan.For(config));

        /// <summary>An uptime beyond ten years is no uptime RunPod can have: out of range.</summary>
        internal const long MaxUptimeSeconds = 10L * 366 * 24 * 3600;

        /// <summary>A REST v2 pod as it arrived: a field out of range is left empty, with a warning naming the pod; the rest is kept.</summary>
        public ArenaPod MapV2(JToken token, IArenaLog log)
        {
            var problems = new List<string>();
            var pod = Map(RunPodJson.ReadLenient<V2Pod>(token, problems), problems);
            WarnOutOfRange(pod, problems, log);
            return pod;
        }

        /// <summary>A GraphQL pod as it arrived: a field out of range is left empty, with a warning naming the pod; the rest is kept.</summary>
        public ArenaPod MapGraphQl(JToken token, IArenaLog log)
        {
            var problems = new List<string>();
            var pod = Map(RunPodJson.ReadLenient<PodWire>(token, problems), problems);
            WarnOutOfRange(pod, problems, log);
            return pod;
        }

        private static void WarnOutOfRange(ArenaPod pod, List<string> problems, IArenaLog log)
        {
            if (problems.Count == 0) return;
            var who = pod.Name.Length > 0 ? UntrustedValue.Printable(pod.Name) : pod.Id.Length > 0 ? UntrustedValue.Printable(pod.Id) : "A pod without a name";
            log.Warning($"{who}: RunPod sent {string.Join(", ", problems.Distinct())} out of range or not of its type; shown empty, the rest of the pod as sent.");
        }

        /// <summary>Seconds as an uptime, or nothing (named in problems) when no pod could have been up that long.</summary>
        private static TimeSpan? UptimeOf(long? seconds, string field, ICollection<string>? problems)
        {
            if (seconds == null) return null;
            if (seconds < 0 || seconds > MaxUptimeSeconds)
            {
                problems?.Add(field);
                return null;
            }
            return TimeSpan.FromSeconds(seconds.Value);
        }

        /// <summary>A cost an hour, or nothing (named in problems) when it is negative.</summary>
        private static decimal? CostOf(decimal? cost, string field, ICollection<string>? problems)
        {
            if (cost == null || cost >= 0) return cost;
            problems?.Add(field);
            return null;
        }

        public ArenaPod Map(PodWire wire, ICollection<string>? problems = null)
        {
            var name = wire.Name ?? "";
            var machineName = _naming.MachineNameOf(name);
            var desired = wire.DesiredStatus?.ToUpperInvariant();
            var isRunning = desired == "RUNNING";
            // An EXITED pod may still carry stale runtime ports: only a running pod has an endpoint.
            var ssh = isRunning ? SshPortOf(wire.Runtime) : null;
            var (statusEvent, changedAt) = StatusChangeText.Parse(wire.LastStatusChange);

            return new ArenaPod
            {
                Id = wire.Id ?? "",
                Name = name,
                MachineName = machineName,
                IsFleetPod = machineName != null,
                DesiredStatus = wire.DesiredStatus,
                Status = StatusOf(desired, ssh != null),
                GpuTypeId = null,
                PublicIp = ssh?.Ip,
                SshPort = ssh?.PublicPort,
                ProxyPort = _ports.PortOf(machineName),
                GpuType = wire.Machine?.GpuDisplayName,
                GpuCount = wire.GpuCount ?? 0,
                // A terminated pod costs nothing any more: no price, whatever the API still reports.
                CostPerHour = StatusOf(desired, ssh != null) == ArenaPodStatus.Terminated ? null : CostOf(wire.CostPerHr, "costPerHr", problems),
                Image = wire.ImageName,
                Uptime = isRunning ? UptimeOf(wire.Runtime?.UptimeInSeconds, "runtime.uptimeInSeconds", problems) : null,
                LastStatusChange = wire.LastStatusChange,
                LastStatusEvent = statusEvent,
                LastStatusChangedAt = changedAt,
                Env = EnvOf(wire.Env),
                MachineId = wire.MachineId,
                Location = wire.Machine?.Location,
                DiskSizeGB = wire.ContainerDiskInGb,
                VolumeSizeGB = wire.VolumeInGb,
                VolumeMountPath = wire.VolumeInGb > 0 ? wire.VolumeMountPath ?? "/workspace" : null,
                RetrievedAt = DateTimeOffset.UtcNow,
            };
        }

        /// <summary>A REST v2 pod. RUNNING is Running only once it has a public SSH endpoint.</summary>
        public ArenaPod Map(V2Pod wire, ICollection<string>? problems = null)
        {
            var name = wire.Name ?? "";
            var machineName = _naming.MachineNameOf(name);
            var status = wire.Status?.ToUpperInvariant();
            var isRunning = status == "RUNNING";
            var endpoint = isRunning ? SshEndpointOf(wire) : null;
            var volume = wire.Mounts?.Persistent;
            var arenaStatus = status switch
            {
                "PROVISIONING" => ArenaPodStatus.Provisioning,
                "STARTING" => ArenaPodStatus.Starting,
                "RUNNING" => endpoint != null ? ArenaPodStatus.Running : ArenaPodStatus.Starting,
                "EXITED" => ArenaPodStatus.Stopped,
                "ERROR" => ArenaPodStatus.Error,
                "TERMINATED" => ArenaPodStatus.Terminated,
                _ => ArenaPodStatus.Unknown,
            };
            return new ArenaPod
            {
                Id = wire.Id ?? "",
                Name = name,
                MachineName = machineName,
                IsFleetPod = machineName != null,
                DesiredStatus = wire.Status,
                Status = arenaStatus,
                PublicIp = endpoint?.Host,
                SshPort = endpoint?.Port,
                ProxyPort = _ports.PortOf(machineName),
                GpuTypeId = wire.Gpu?.Id,
                GpuType = DisplayName(wire.Gpu?.Id),
                GpuCount = wire.Gpu?.Count ?? 0,
                CostPerHour = arenaStatus == ArenaPodStatus.Terminated ? null : CostOf(wire.Cost, "cost", problems),
                Image = wire.Image,
                Uptime = isRunning ? UptimeOf(wire.Runtime?.Uptime, "runtime.uptime", problems) : null,
                Env = EnvOf(wire.Env),
                Location = wire.DataCenterId,
                MachineId = wire.MachineId,
                DiskSizeGB = wire.Disk,
                VolumeSizeGB = volume?.Size ?? 0,
                VolumeMountPath = volume?.Size > 0 ? volume.Path ?? "/workspace" : null,
                CreatedAt = Date(wire.CreatedAt),
                StartedAt = Date(wire.StartedAt),
                AllowedActions = (wire.Actions ?? new List<string?>()).Where(a => !string.IsNullOrEmpty(a)).Select(a => a!).ToArray(),
                // Read the lock itself: a locked pod's actions still list stop, restart and terminate.
                Locked = wire.Locked,
                // Running with a runtime but no public port for 22: that pod will never be reachable directly.
                SshProblem = isRunning && endpoint == null && wire.Runtime != null
                    ? "RunPod gave it no public SSH port (its host has no public IP, or 22/tcp is not exposed)"
                    : null,
                RetrievedAt = DateTimeOffset.UtcNow,
            };
        }

        /// <summary>ssh.direct, else a runtime port for private 22/tcp with a public port and address.</summary>
        private static (string Host, int Port)? SshEndpointOf(V2Pod wire)
        {
            if (wire.Ssh?.Direct is V2SshEndpoint direct && !string.IsNullOrEmpty(direct.Host) && direct.Port is int port && port > 0 && port <= 65535)
            {
                return (direct.Host!, port);
            }
            var mapped = wire.Runtime?.Ports?.FirstOrDefault(p => p != null
                && p.Private == 22
                && string.Equals(p.Type, "tcp", StringComparison.OrdinalIgnoreCase)
                && !string.IsNullOrEmpty(p.Ip)
                && p.Public is int pub && pub > 0 && pub <= 65535);
            return mapped == null ? ((string, int)?)null : (mapped.Ip!, mapped.Public!.Value);
        }

        /// <summary>"NVIDIA RTX A4000" as RunPod shows it: "RTX A4000".</summary>
        internal static string? DisplayName(string? gpuTypeId)
        {
            if (string.IsNullOrEmpty(gpuTypeId)) return null;
            var name = gpuTypeId!;
            foreach (var prefix in new[] { "NVIDIA ", "GeForce ", "AMD " })
            {
                if (name.StartsWith(prefix, StringComparison.Ordinal)) name = name.Substring(prefix.Length);
            }
            return name;
        }

        private static DateTimeOffset? Date(string? text) =>
            DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at : (DateTimeOffset?)null;

        private static IReadOnlyDictionary<string, string> EnvOf(Dictionary<string, string?>? env)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in env ?? new Dictionary<string, string?>())
            {
                if (!string.IsNullOrEmpty(entry.Key) && entry.Value != null) result[entry.Key] = entry.Value;
            }
            return result;
        }

        /// <summary>
        /// Gives fleet pods outside MachineNames their proxy ports: those depend on which other such
        /// pods exist, so they are known only from a whole list.
        /// </summary>
        public void CompleteProxyPorts(IEnumerable<ArenaPod> pods) => _ports.Assign(pods);

        /// <summary>The public SSH endpoint: a tcp entry, public, for private port 22.</summary>
        private static PortWire? SshPortOf(RuntimeWire? runtime) =>
            runtime?.Ports?.FirstOrDefault(p => p != null
                && string.Equals(p.Type, "tcp", StringComparison.OrdinalIgnoreCase)
                && p.IsIpPublic == true
                && p.PrivatePort == 22
                && !string.IsNullOrEmpty(p.Ip)
                && p.PublicPort is int port && port > 0);

        private static ArenaPodStatus StatusOf(string? desired, bool hasSshEndpoint) => desired switch
        {
            "RUNNING" => hasSshEndpoint ? ArenaPodStatus.Running : ArenaPodStatus.Starting,
            "CREATED" => ArenaPodStatus.Starting,
            "RESTARTING" => ArenaPodStatus.Starting,
            "EXITED" => ArenaPodStatus.Stopped,
            "TERMINATED" => ArenaPodStatus.Terminated,
            _ => ArenaPodStatus.Unknown,
        };

        private static IReadOnlyDictionary<string, string> EnvOf(List<string?>? env)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            if (env == null) return result;
            foreach (var entry in env)
            {
                if (string.IsNullOrEmpty(entry)) continue;
                var equals = entry!.IndexOf('=');
                if (equals <= 0) continue;
                result[entry.Substring(0, equals)] = entry.Substring(equals + 1);
            }
            return result;
        }
    }
}
