using System;
using System.Collections.Generic;
using System.Security;

namespace ArenaInfra.Repair
{
    /// <summary>What a replacement batch was asked for: Repair-ArenaPod's parameters, with paths resolved.</summary>
    internal sealed class RepairOptions
    {
        /// <summary>The backups' root; null when no files are restored.</summary>
        public string? BackupRoot { get; set; }
        public string? BackupLabel { get; set; }
        public string? FromBranch { get; set; }
        /// <summary>-Secrets: each variable with its value, a CSV file as a RepairSecrets.CsvFile; null or empty for none.</summary>
        public IReadOnlyList<(string Variable, object? Value)>? Secrets { get; set; }
        public ISet<string> SkipSetup { get; set; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        public string? TestCommand { get; set; }
        public string? ProxyKeyPath { get; set; }
        public TimeSpan ReadyTimeout { get; set; } = TimeSpan.FromSeconds(900);
        public TimeSpan StepTimeout { get; set; } = TimeSpan.FromSeconds(1800);
        public decimal? MaxCostPerHour { get; set; }
        public bool NoPublish { get; set; }
        /// <summary>At most this many pods replaced at once; 0 for the config's ThrottleLimit.</summary>
        public int ThrottleLimit { get; set; }
        public SecureString? KeyPassphrase { get; set; }
        public ArenaHostKeyPolicy HostKeyPolicy { get; set; } = ArenaHostKeyPolicy.AcceptNew;
    }
}
