using System;

namespace ArenaInfra.Config
{
    /// <summary>
    /// The one function that decides every pod's proxy port: ProxyStartingPort + the machine name's
    /// index in MachineNames. Because the list's order fixes the ports, a replaced pod keeps its port.
    /// </summary>
    internal sealed class ProxyPortPlan
    {
        private readonly int _startingPort;
        private readonly string[] _names;

        public ProxyPortPlan(int startingPort, string[] machineNames)
        {
            _startingPort = startingPort;
            _names = machineNames;
        }

        public static ProxyPortPlan For(ArenaConfig config) => new ProxyPortPlan(config.ProxyStartingPort, config.MachineNames);

        /// <summary>The proxy port of a listed machine name; null for a name outside the list.</summary>
        public int? PortOf(string? machineName)
        {
            if (machineName == null) return null;
            var index = Array.IndexOf(_names, machineName);
            return index < 0 ? null : _startingPort + index;
        }
    }
}
