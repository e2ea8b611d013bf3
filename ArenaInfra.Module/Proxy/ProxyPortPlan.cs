using System;
using System.Collections.Generic;
using System.Linq;

namespace ArenaInfra.Proxy
{
    /// <summary>
    /// The one function that decides every pod's proxy port: ProxyStartingPort + the machine name's
    /// index in MachineNames. Because the list's order fixes the ports, a replaced pod keeps its port.
    /// Fleet pods whose names are not in the list get the ports after the list, in name order; their
    /// ports can move when such pods come and go, so the list is the place for every lasting name.
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

        /// <summary>Names outside MachineNames get ports that can move: say so where it matters.</summary>
        public static void WarnAboutUnlistedNames(ProxyPortPlan plan, IEnumerable<ArenaPod> pods, Action<string> warn)
        {
            foreach (var (machine, port, listed) in plan.Plan(pods.Where(p => p.MachineName != null).Select(p => p.MachineName!)))
            {
                if (!listed) warn($"'{machine}' is not in MachineNames, so its proxy port ({port}) can change when other such pods come and go; add it to the list to fix it.");
            }
        }

        public static ProxyPortPlan For(ArenaConfig config) => new ProxyPortPlan(config.ProxyStartingPort, config.MachineNames);

        /// <summary>The proxy port of a listed machine name; null for a name outside the list.</summary>
        public int? PortOf(string? machineName)
        {
            if (machineName == null) return null;
            var index = Array.IndexOf(_names, machineName);
            return index < 0 ? null : _startingPort + index;
        }

        /// <summary>Ports for the listed names and for the given names outside the list, in port order.</summary>
        public IReadOnlyList<(string MachineName, int Port, bool Listed)> Plan(IEnumerable<string> presentMachineNames)
        {
            var plan = _names.Select((name, index) => (name, _startingPort + index, true)).ToList();
            var outside = presentMachineNames.Where(n => Array.IndexOf(_names, n) < 0).Distinct(StringComparer.Ordinal).OrderBy(n => n, StringComparer.Ordinal);
            var next = _startingPort + _names.Length;
            foreach (var name in outside)
            {
                if (next > 65535) break;
                plan.Add((name, next++, false));
            }
            return plan;
        }

        /// <summary>The port of every present name, listed or not.</summary>
        public IReadOnlyDictionary<string, int> PortsOf(IEnumerable<string> presentMachineNames) =>
            Plan(presentMachineNames).ToDictionary(p => p.MachineName, p => p.Port, StringComparer.Ordinal);
    }
}
