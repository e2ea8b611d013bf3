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

        // A fleet lists thousands of names: each pod's port is a lookup, not a scan of the list. The
        // first place of a name listed twice is its place, as a scan would find it.
        private readonly Dictionary<string, int> _indexOf;

        public ProxyPortPlan(int startingPort, string[] machineNames)
        {
            _startingPort = startingPort;
            _names = machineNames;
            _indexOf = new Dictionary<string, int>(machineNames.Length, StringComparer.Ordinal);
            for (var i = 0; i < machineNames.Length; i++)
            {
                if (machineNames[i] != null && !_indexOf.ContainsKey(machineNames[i])) _indexOf.Add(machineNames[i], i);
            }
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
            return _indexOf.TryGetValue(machineName, out var index) ? _startingPort + index : (int?)null;
        }

        /// <summary>Ports for the listed names and for the given names outside the list, in port order.</summary>
        public IReadOnlyList<(string MachineName, int Port, bool Listed)> Plan(IEnumerable<string> presentMachineNames)
        {
            var plan = _names.Select((name, index) => (name, _startingPort + index, true)).ToList();
            var outside = presentMachineNames.Where(n => n == null || !_indexOf.ContainsKey(n)).Distinct(StringComparer.Ordinal).OrderBy(n => n, StringComparer.Ordinal);
            var next = _startingPort + _names.Length;
            foreach (var name in outside)
            {
                if (next > 65535) break;
                plan.Add((name, next++, false));
            }
            return plan;
        }

        /// <summary>
        /// Gives every fleet pod of a whole list its proxy port, listed or not: the ports of names outside
        /// MachineNames depend on which other such machines exist, of every provider, so only the whole
        /// fleet's list can give them (as nginx's config does).
        /// </summary>
        public void Assign(IEnumerable<ArenaPod> pods)
        {
            var fleet = pods.Where(p => p.MachineName != null && p.Status != ArenaPodStatus.Terminated).ToList();
            var ports = PortsOf(fleet.Select(p => p.MachineName!));
            foreach (var pod in fleet) pod.ProxyPort = ports.TryGetValue(pod.MachineName!, out var port) ? port : (int?)null;
        }

        /// <summary>The port of every present name, listed or not.</summary>
        public IReadOnlyDictionary<string, int> PortsOf(IEnumerable<string> presentMachineNames) =>
            Plan(presentMachineNames).ToDictionary(p => p.MachineName, p => p.Port, StringComparer.Ordinal);
    }
}
