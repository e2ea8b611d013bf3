using System;

namespace ArenaInfra.Config
{
    /// <summary>Pods are named '&lt;prefix&gt;-&lt;machine name&gt;'; this is the only place that knows it.</summary>
    internal sealed class FleetNaming
    {
        public FleetNaming(string prefix) => Prefix = prefix;

        public string Prefix { get; }

        public string PodName(string machineName) => $"{Prefix}-{machineName}";

        /// <summary>The machine name of a fleet pod; null when the pod is not the fleet's.</summary>
        public string? MachineNameOf(string podName)
        {
            var start = Prefix + "-";
            return podName.Length > start.Length && podName.StartsWith(start, StringComparison.Ordinal)
                ? podName.Substring(start.Length)
                : null;
        }
    }
}
