using ArenaInfra.Access;
using ArenaInfra.Common;
using ArenaInfra.Operations;
using ArenaInfra.Ssh;

namespace ArenaInfra.Repair
{
    /// <summary>
    /// What a replacement batch needs from its command besides its streams: the SSH key and host-key store
    /// (loaded only once the batch is confirmed, let go when it is done), the route to the pods, and the
    /// roster. A failure of any of them ends the batch (an ArenaException).
    /// </summary>
    internal interface IRepairHost : IBatchHost
    {
        SshSettings OpenSettings();

        /// <summary>Keeps the host keys learnt on record and lets the key go.</summary>
        void Release(SshSettings settings);

        PodRoute Route();

        RosterAccess LoadRoster();
    }
}
