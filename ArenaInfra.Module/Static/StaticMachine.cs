namespace ArenaInfra.Static
{
    /// <summary>One line of the hosts file, every value checked: a machine made by hand and how SSH reaches it.</summary>
    internal sealed class StaticMachine
    {
        public StaticMachine(string machine, string host, int port, string user, string? gpu, int line)
        {
            Machine = machine;
            Host = host;
            Port = port;
            User = user;
            Gpu = gpu;
            Line = line;
        }

        /// <summary>The machine name (a host-name label); the pod is &lt;prefix&gt;-&lt;machine&gt;.</summary>
        public string Machine { get; }
        /// <summary>An IP address or a host name, through UntrustedValue's gate.</summary>
        public string Host { get; }
        public int Port { get; }
        /// <summary>The user SSH logs in as.</summary>
        public string User { get; }
        /// <summary>The gpu column: a note for people, terminal-safe and bounded; null when empty.</summary>
        public string? Gpu { get; }
        /// <summary>The line of the file it came from, for messages.</summary>
        public int Line { get; }
    }
}
