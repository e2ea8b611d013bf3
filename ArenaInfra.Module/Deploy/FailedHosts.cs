using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;

namespace ArenaInfra.Deploy
{
    /// <summary>
    /// The machines whose pods failed the check in this run, for every name: a bad host breaks every
    /// pod on it, so no pod of the run is kept on one. A machine is known by RunPod's machine id, and
    /// by the pod's public IP only when that IP is globally routable: a loopback, private, shared or
    /// link-local address (the sandbox's pods all sit at 127.0.0.1; a host behind NAT) names no single
    /// host, and a false match would throw a good pod away.
    /// </summary>
    internal sealed class FailedHosts
    {
        private readonly object _gate = new object();
        private readonly HashSet<string> _machines = new HashSet<string>(StringComparer.Ordinal);
        private readonly HashSet<string> _addresses = new HashSet<string>(StringComparer.Ordinal);

        /// <summary>Records the pod's machine as failed.</summary>
        public void Add(ArenaPod pod)
        {
            lock (_gate)
            {
                if (!string.IsNullOrEmpty(pod.MachineId)) _machines.Add(pod.MachineId!);
                if (RoutableAddress(pod.PublicIp) is string ip) _addresses.Add(ip);
            }
        }

        /// <summary>Why the pod sits on a machine that failed in this run ("machine m-1", "address 1.2.3.4"); null when it does not.</summary>
        public string? Holds(ArenaPod pod)
        {
            lock (_gate)
            {
                if (!string.IsNullOrEmpty(pod.MachineId) && _machines.Contains(pod.MachineId!)) return $"machine {pod.MachineId}";
                if (RoutableAddress(pod.PublicIp) is string ip && _addresses.Contains(ip)) return $"address {ip}";
                return null;
            }
        }

        public int Count
        {
            get { lock (_gate) return _machines.Count + _addresses.Count; }
        }

        /// <summary>The address in its canonical form when it names one host on the internet; null otherwise.</summary>
        internal static string? RoutableAddress(string? text)
        {
            if (string.IsNullOrWhiteSpace(text) || !IPAddress.TryParse(text!.Trim(), out var address)) return null;
            if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
            return IsGloballyRoutable(address) ? address.ToString() : null;
        }

        internal static bool IsGloballyRoutable(IPAddress address)
        {
            var b = address.GetAddressBytes();
            if (address.AddressFamily == AddressFamily.InterNetwork)
            {
                return !(b[0] == 0                                          // this network
                    || b[0] == 10                                           // private
                    || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)           // shared (carrier NAT)
                    || b[0] == 127                                          // loopback
                    || (b[0] == 169 && b[1] == 254)                         // link-local
                    || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)            // private
                    || (b[0] == 192 && b[1] == 0 && b[2] == 0)              // protocol assignments
                    || (b[0] == 192 && b[1] == 0 && b[2] == 2)              // documentation
                    || (b[0] == 192 && b[1] == 168)                         // private
                    || (b[0] == 198 && (b[1] == 18 || b[1] == 19))          // benchmarking
                    || (b[0] == 198 && b[1] == 51 && b[2] == 100)           // documentation
                    || (b[0] == 203 && b[1] == 0 && b[2] == 113)            // documentation
                    || b[0] >= 224);                                        // multicast, reserved, broadcast
            }
            if (address.AddressFamily == AddressFamily.InterNetworkV6)
            {
                // Only global unicast (2000::/3) names a host on the internet; documentation's 2001:db8::/32 names none.
                return (b[0] & 0xE0) == 0x20 && !(b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8);
            }
            return false;
        }

        /// <summary>What was given up, for a message: "machine m-1, machine m-2".</summary>
        public static string Describe(IEnumerable<string> machines)
        {
            var list = machines.ToList();
            return list.Count == 0 ? "none" : string.Join(", ", list);
        }
    }
}
