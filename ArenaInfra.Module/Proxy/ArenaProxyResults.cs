namespace ArenaInfra
{
    /// <summary>What Publish-ArenaProxyConfig did on the proxy.</summary>
    public sealed class ArenaProxyPublishResult
    {
        public string ProxyHost { get; internal set; } = "";
        public string Path { get; internal set; } = "";
        /// <summary>False when the proxy already had exactly this config.</summary>
        public bool Changed { get; internal set; }
        public bool Reloaded { get; internal set; }
        /// <summary>How many pods the config forwards to.</summary>
        public int Pods { get; internal set; }
        /// <summary>The change, as '-' and '+' lines.</summary>
        public string Diff { get; internal set; } = "";

        public override string ToString() => $"{ProxyHost}:{Path}: {(Changed ? "updated" : "unchanged")}, {Pods} pods{(Reloaded ? ", nginx reloaded" : "")}";
    }

    /// <summary>What Initialize-ArenaProxy did on the proxy.</summary>
    public sealed class ArenaProxyInitializeResult
    {
        public string ProxyHost { get; internal set; } = "";
        public string NginxConf { get; internal set; } = "";
        /// <summary>The fleet's stream config that nginx.conf now includes.</summary>
        public string ConfigPath { get; internal set; } = "";
        public bool Installed { get; internal set; }
        /// <summary>False when nginx.conf already included the fleet's config.</summary>
        public bool IncludeAdded { get; internal set; }

        public override string ToString() => $"{ProxyHost}: {NginxConf} {(IncludeAdded ? "now includes" : "already included")} {ConfigPath}";
    }
}
