namespace ArenaInfra
{
    /// <summary>One effective setting and where its value came from, as Get-ArenaConfig -ShowSource lists them.</summary>
    public sealed class ArenaConfigSetting
    {
        internal ArenaConfigSetting(string name, string fileKey, object? value, ArenaConfigSource source, ArenaConfigOrigin origin)
        {
            Name = name;
            FileKey = fileKey;
            Value = value;
            Source = source;
            Origin = origin;
        }

        /// <summary>The ArenaConfig property name.</summary>
        public string Name { get; }
        /// <summary>The key in the config.env format.</summary>
        public string FileKey { get; }
        /// <summary>The value; for the API key only '(set)' or '(not set)'.</summary>
        public object? Value { get; }
        public ArenaConfigSource Source { get; }
        /// <summary>How the config holding this value was chosen (session default, -Config, ...).</summary>
        public ArenaConfigOrigin Origin { get; }

        public override string ToString() => $"{Name} = {Value} ({Source})";
    }
}
