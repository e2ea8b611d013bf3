using System;
using System.Collections.Generic;
using System.IO;
using ArenaInfra.Common;
using ArenaInfra.Health;
using ArenaInfra.Ssh;

namespace ArenaInfra.Money
{
    /// <summary>
    /// The names this machine knew pods by, from the module's own records (the host keys it kept and the
    /// health checks it made), so a gone pod's bill can still be the fleet's. A record that cannot be read
    /// names nothing: its pods count outside the fleet, and the total stays whole.
    /// </summary>
    internal static class KnownPodNames
    {
        public static IReadOnlyDictionary<string, string> Read(IArenaLog log)
        {
            var names = new Dictionary<string, string>(StringComparer.Ordinal);
            try
            {
                foreach (var record in HealthStore.Open().ReadAll(out _).Values)
                {
                    if (!string.IsNullOrEmpty(record.Name)) names[record.PodId] = record.Name!;
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArenaException)
            {
                log.Verbose($"Spend: the health records could not be read for pod names: {TerminalText.SafeLine(e.Message)}");
            }
            try
            {
                foreach (var pair in HostKeyStore.Open().All())
                {
                    if (!string.IsNullOrEmpty(pair.Value.PodName) && !names.ContainsKey(pair.Key)) names[pair.Key] = pair.Value.PodName!;
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArenaException)
            {
                log.Verbose($"Spend: the host-key records could not be read for pod names: {TerminalText.SafeLine(e.Message)}");
            }
            return names;
        }
    }
}
