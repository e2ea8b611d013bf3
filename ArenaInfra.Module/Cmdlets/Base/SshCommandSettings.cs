using System;
using System.Linq;
using System.Management.Automation;
using System.Security;
using ArenaInfra.Common;
using ArenaInfra.Operations;
using ArenaInfra.Ssh;

namespace ArenaInfra.Cmdlets.Base
{
    /// <summary>
    /// The SSH side of a command, from its parameters and the config: the key and the host-key store it
    /// opens, the route to the pods, and what it says when it lets them go. SshFleetCmdlet and
    /// Start-ArenaPod's replacement (which is no SshFleetCmdlet) share it, so both connect alike.
    /// </summary>
    internal static class SshCommandSettings
    {
        /// <summary>Loads the key (an SshKeyNotFound ArenaException if it cannot be) and the host-key store.</summary>
        public static SshSettings Open(ArenaConfig config, SecureString? passphrase, ArenaHostKeyPolicy policy, int connectTimeoutSec, IArenaLog log,
            string? keyPath = null, HostKeyStore? hostKeys = null)
        {
            // Another key than the shared one (a participant's, to check what they can reach) is never encrypted.
            var key = keyPath == null ? SshKey.Load(config.SharedKeyPath, passphrase) : SshKey.Load(keyPath, null);
            return new SshSettings(key, hostKeys ?? HostKeyStore.Open(), log)
            {
                HostKeyPolicy = policy,
                ConnectTimeout = TimeSpan.FromSeconds(connectTimeoutSec),
                PreferredKeyExchange = string.Equals(config.SshKeyExchange, "default", StringComparison.OrdinalIgnoreCase) ? null : config.SshKeyExchange,
            };
        }

        /// <summary>How the command reaches pods: -Via, with the proxy from the config.</summary>
        public static PodRoute Route(ArenaSshRoute via, ArenaConfig config)
        {
            if (via == ArenaSshRoute.Proxy && config.ProxyHost == null)
            {
                throw new ArenaException(ArenaErrorIds.ProxyHostMissing, ErrorCategory.InvalidArgument,
                    "-Via Proxy needs a proxy, but ProxyHost (SSH_PROXY_HOST) is not set.", "Set SSH_PROXY_HOST in the config file, or leave out -Via.");
            }
            return new PodRoute(via, config.SshUser, config.ProxyHost);
        }

        /// <summary>Keeps the host keys learnt on record and lets the private key go.</summary>
        public static void Release(SshSettings settings, ArenaCmdlet cmdlet)
        {
            try
            {
                settings.HostKeys.Save();
            }
            catch (Exception e) when (e is ArenaException || e is System.IO.IOException || e is UnauthorizedAccessException)
            {
                cmdlet.WriteWarning($"The pods' host keys could not be saved to '{settings.HostKeys.Path}': {e.Message}");
            }
            settings.Key.Dispose();
            // After a restart every pod has a new key: one line for the fleet, the fingerprints in Verbose.
            var renewed = settings.RenewedHostKeys.Keys.OrderBy(n => n, StringComparer.Ordinal).ToList();
            if (renewed.Count > 0)
            {
                var shown = renewed.Count <= 10 ? string.Join(", ", renewed) : string.Join(", ", renewed.Take(10)) + $" and {renewed.Count - 10} more";
                cmdlet.WriteInformation($"{renewed.Count} pod{(renewed.Count == 1 ? " has a new host key" : "s have new host keys")} since {(renewed.Count == 1 ? "it" : "they")} restarted, accepted as RunPod makes new keys on restart: {shown}. -Verbose shows the fingerprints.",
                    new[] { "PSHOST", "ArenaInfra", "HostKeys" });
            }
        }
    }
}
