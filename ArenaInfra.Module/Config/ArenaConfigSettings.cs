namespace ArenaInfra.Config
{
    internal static class ArenaConfigSettings
    {
        /// <summary>Every setting of a config with its source; the key is reported as set or not, never shown.</summary>
        public static System.Collections.Generic.IEnumerable<ArenaConfigSetting> Of(ArenaConfig config)
        {
            foreach (var setting in ConfigSetting.All)
            {
                var value = config.GetValue(setting.Name);
                var source = config.GetSource(setting.Name);
                if (setting.Kind == ConfigValueKind.Secret) value = value == null ? "(not set)" : "(set)";
                if (value is string[] list) value = (string[])list.Clone();
                // A blank would read as "none"; the module uses a value worked out from others.
                if (value == null && Derived(config, setting.Name) is (string from, string derived))
                {
                    value = derived;
                    source = ArenaConfigSource.DerivedFrom(from);
                }
                yield return new ArenaConfigSetting(setting.Name, setting.FileKey, value, source, config.Origin);
            }
        }

        /// <summary>The settings whose default is not a constant: what it is worked out from, and the value ArenaConfig uses.</summary>
        private static (string From, string Value)? Derived(ArenaConfig config, string name) => name switch
        {
            "RepoUrl" => ("RepoOwner, RepoName", config.RepoUrl),
            "ParticipantKeyFolder" => ($"the data folder ({Common.IO.DataFolder.Path})", config.ParticipantKeyFolder),
            _ => null,
        };
    }
}
