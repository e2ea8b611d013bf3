using System;
using System.Collections.Generic;
using System.Security;
using ArenaInfra.Pods.Create;

namespace ArenaInfra.Deploy
{
    /// <summary>What Deploy-ArenaPod was asked for: the pods (as New-ArenaPod takes them) and what each goes through.</summary>
    internal sealed class DeployOptions
    {
        public PodCreationRequest Request { get; set; } = new PodCreationRequest();
        /// <summary>-Secrets: each variable with its value, a CSV file as a RepairSecrets.CsvFile; null or empty for none.</summary>
        public IReadOnlyList<(string Variable, object? Value)>? Secrets { get; set; }
        public bool Lock { get; set; }
        public bool PublishEach { get; set; }
        /// <summary>-NoPublish: the proxy config is left as it is (Publish-ArenaProxyConfig later).</summary>
        public bool NoPublish { get; set; }
        /// <summary>-SkipSetup: Initialize-ArenaPod's steps left out, as Repair-ArenaPod takes them.</summary>
        public ISet<string> SkipSetup { get; set; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        public int MaxReplacements { get; set; } = 2;
        /// <summary>At most this many pods worked on over SSH at once; 0 for the config's ThrottleLimit.</summary>
        public int ThrottleLimit { get; set; }
        /// <summary>At most this many creates sent at once (New-ArenaPod's default).</summary>
        public int CreateThrottle { get; set; } = 10;
        public TimeSpan ReadyTimeout { get; set; } = TimeSpan.FromSeconds(900);
        public TimeSpan StepTimeout { get; set; } = TimeSpan.FromSeconds(600);
        /// <summary>-TestCommand: a check of the organiser's own instead of the module's.</summary>
        public string? TestCommand { get; set; }
        public string? ProxyKeyPath { get; set; }
        public SecureString? KeyPassphrase { get; set; }
        public ArenaHostKeyPolicy HostKeyPolicy { get; set; } = ArenaHostKeyPolicy.AcceptNew;
    }
}
