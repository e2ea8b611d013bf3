using System;
using System.Collections.Generic;
using System.Linq;
using ArenaInfra.Config;
using ArenaInfra.RunPod.Wire;

namespace ArenaInfra.RunPod
{
    /// <summary>Turns RunPod's pod into an ArenaPod: the only place that interprets RunPod's fields.</summary>
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

        public ArenaPod Map(PodWire wire)
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
                PublicIp = ssh?.Ip,
                SshPort = ssh?.PublicPort,
                ProxyPort = _ports.PortOf(machineName),
                GpuType = wire.Machine?.GpuDisplayName,
                GpuCount = wire.GpuCount ?? 0,
                CostPerHour = wire.CostPerHr,
                Image = wire.ImageName,
                Uptime = isRunning && wire.Runtime?.UptimeInSeconds is long seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null,
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

        /// <summary>
        /// Gives fleet pods outside MachineNames their proxy ports: those depend on which other such
        /// pods exist, so they are known only from a whole list.
        /// </summary>
        public void CompleteProxyPorts(IEnumerable<ArenaPod> pods)
        {
            var fleet = pods.Where(p => p.MachineName != null && p.Status != ArenaPodStatus.Terminated).ToList();
            var ports = _ports.PortsOf(fleet.Select(p => p.MachineName!));
            foreach (var pod in fleet)
            {
                if (pod.ProxyPort == null && ports.TryGetValue(pod.MachineName!, out var port)) pod.ProxyPort = port;
            }
        }

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
