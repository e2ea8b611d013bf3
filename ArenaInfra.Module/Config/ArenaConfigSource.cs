namespace ArenaInfra
{
    public enum ArenaConfigSourceKind
    {
        Default,
        File,
        EnvironmentVariable,
        Parameter,
        /// <summary>The key stored with Set-ArenaApiKey.</summary>
        StoredKey,
        /// <summary>Not set: the value is worked out from other settings (Name says which).</summary>
        Derived,
    }

    /// <summary>Where the effective config as a whole was found.</summary>
    public enum ArenaConfigOrigin
    {
        /// <summary>No file: built-in defaults (plus environment variables).</summary>
        Defaults,
        /// <summary>A file read by Import-ArenaConfig, returned to the caller.</summary>
        File,
        /// <summary>An ArenaConfig passed with -Config.</summary>
        Parameter,
        /// <summary>The session default that Import-ArenaConfig set.</summary>
        Session,
        /// <summary>The file named by $env:ARENA_CONFIG.</summary>
        EnvironmentFile,
        /// <summary>The per-user config file.</summary>
        UserFile,
    }

    /// <summary>Where one setting's value came from: a file and line, a variable, a parameter, or the default.</summary>
    public sealed class ArenaConfigSource
    {
        private ArenaConfigSource(ArenaConfigSourceKind kind, string? path, int? line, string? name)
        {
            Kind = kind;
            Path = path;
            Line = line;
            Name = name;
        }

        public ArenaConfigSourceKind Kind { get; }
        public string? Path { get; }
        public int? Line { get; }
        /// <summary>The environment variable or parameter name, for those kinds; for Derived, what the value is worked out from.</summary>
        public string? Name { get; }

        public static readonly ArenaConfigSource Default = new ArenaConfigSource(ArenaConfigSourceKind.Default, null, null, null);

        public static ArenaConfigSource FromFile(string path, int line) => new ArenaConfigSource(ArenaConfigSourceKind.File, path, line, null);

        public static ArenaConfigSource FromEnvironment(string variable) => new ArenaConfigSource(ArenaConfigSourceKind.EnvironmentVariable, null, null, variable);

        public static ArenaConfigSource FromParameter(string parameter) => new ArenaConfigSource(ArenaConfigSourceKind.Parameter, null, null, parameter);

        public static ArenaConfigSource FromStoredKey(string path) => new ArenaConfigSource(ArenaConfigSourceKind.StoredKey, path, null, null);

        public static ArenaConfigSource DerivedFrom(string from) => new ArenaConfigSource(ArenaConfigSourceKind.Derived, null, null, from);

        public override string ToString() => Kind switch
        {
            ArenaConfigSourceKind.File => $"{Path}:{Line}",
            ArenaConfigSourceKind.EnvironmentVariable => $"$env:{Name}",
            ArenaConfigSourceKind.Parameter => $"-{Name}",
            ArenaConfigSourceKind.StoredKey => $"stored key ({Path})",
            ArenaConfigSourceKind.Derived => $"derived from {Name}",
            _ => "default",
        };
    }
}
