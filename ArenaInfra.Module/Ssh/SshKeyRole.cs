namespace ArenaInfra.Ssh
{
    /// <summary>Which key a load is for, so that an error names that key and the setting that chooses it.</summary>
    internal sealed class SshKeyRole
    {
        private SshKeyRole(string name, string setting)
        {
            Name = name;
            Setting = setting;
        }

        /// <summary>The participants' key, which reaches the pods.</summary>
        public static readonly SshKeyRole Shared = new SshKeyRole("shared SSH key", "SharedKeyPath (Get-ArenaConfig)");

        /// <summary>The organiser's own key for the proxy machine: -ProxyKeyPath, else ~/.ssh/id_ed25519 (or id_ecdsa, id_rsa).</summary>
        public static readonly SshKeyRole Proxy = new SshKeyRole("proxy key", "-ProxyKeyPath (your own key for the proxy machine; without it, ~/.ssh/id_ed25519, id_ecdsa or id_rsa)");

        public string Name { get; }
        public string Setting { get; }
    }
}
