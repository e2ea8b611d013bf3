using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using ArenaInfra.Ssh;

namespace ArenaInfra.RunPod
{
    /// <summary>
    /// The keys a new pod trusts. RunPod puts the account's registered keys into a pod only when the
    /// create sets no PUBLIC_KEY, and we set it (the shared key), so without this the organiser's own key,
    /// registered in RunPod's console, would no longer open new pods. Read once a batch, before anything
    /// is bought; ACCOUNT_SSH_KEYS=0 leaves them out.
    /// </summary>
    internal static class AccountSshKeys
    {
        /// <summary>PUBLIC_KEY for the batch: the shared key, then every account key not already there.</summary>
        public static async Task<string> MergeAsync(IRunPodApi api, ArenaConfig config, string publicKey, IArenaLog log, CancellationToken cancellationToken)
        {
            if (!config.AccountSshKeys) return publicKey;
            IReadOnlyList<string> keys;
            try
            {
                keys = await api.GetAccountSshKeysAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ArenaException e) when (e.ErrorId != ArenaErrorIds.AuthenticationFailed && e.ErrorId != ArenaErrorIds.ApiRetired)
            {
                throw new ArenaException(ArenaErrorIds.AccountKeysUnreadable, ErrorCategory.ReadError,
                    $"The SSH keys registered with the RunPod account could not be read, so no pod was created (they would not open it otherwise): {e.Message}",
                    "Run the command again later; or set ACCOUNT_SSH_KEYS=0 in the config file to create pods that trust the shared key only.", e);
            }
            var merged = Merge(publicKey, keys, log);
            log.Verbose($"New pods trust the shared key and {merged.Count(c => c == '\n')} more key(s) registered with the RunPod account.");
            return merged;
        }

        /// <summary>One key a line, each once: keys are the same when their type and key material are, whatever the comment.</summary>
        internal static string Merge(string publicKey, IEnumerable<string> accountKeys, IArenaLog log)
        {
            var lines = new List<string> { publicKey.Trim() };
            var seen = new HashSet<string>(StringComparer.Ordinal) { Material(publicKey) };
            foreach (var key in accountKeys)
            {
                var line = key.Trim();
                if (!IsOneKey(line))
                {
                    log.Warning($"The RunPod account lists an SSH key that is not one public key line ('{UntrustedValue.Printable(line)}'); new pods do not get it.");
                    continue;
                }
                if (seen.Add(Material(line))) lines.Add(line);
            }
            return string.Join("\n", lines);
        }

        private static bool IsOneKey(string line)
        {
            if (line.Length == 0 || line.Any(char.IsControl) || !PublicKeyReader.LooksLikePublicKey(line)) return false;
            try
            {
                return Convert.FromBase64String(line.Split(new[] { ' ' }, 3, StringSplitOptions.RemoveEmptyEntries)[1]).Length > 0;
            }
            catch (FormatException)
            {
                return false;
            }
        }

        private static string Material(string line)
        {
            var parts = line.Trim().Split(new[] { ' ' }, 3, StringSplitOptions.RemoveEmptyEntries);
            return parts.Length >= 2 ? parts[0] + " " + parts[1] : line.Trim();
        }
    }
}
