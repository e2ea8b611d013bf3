using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace ArenaInfra
{
    public enum ArenaSshConfigMode
    {
        /// <summary>Each pod at its own public IP and port: the file changes when pods change.</summary>
        Direct,
        /// <summary>Every machine name at a fixed port on the proxy: the file never needs to change.</summary>
        Proxy,
    }

    public enum ArenaSshHostKeyChecking
    {
        /// <summary>No host-key checks, as the old scripts did: proxy ports move between pods as pods are replaced.</summary>
        Off,
        /// <summary>Record each host's key on first use in a fleet-specific known_hosts file.</summary>
        AcceptNew,
    }
}
