namespace ArenaInfra.Config
{
    /// <summary>One setting's value and where it came from (a file and line, or the default).</summary>
    internal readonly struct ConfigValue
    {
        public ConfigValue(object? value, ArenaConfigSource source)
        {
            Value = value;
            Source = source;
        }

        public object? Value { get; }
        public ArenaConfigSource Source { get; }
    }
}
