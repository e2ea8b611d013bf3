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
                if (setting.Kind == ConfigValueKind.Secret) value = value == null ? "(not set)" : "(set)";
                if (value is string[] list) value = (string[])list.Clone();
                yield return new ArenaConfigSetting(setting.Name, setting.FileKey, value, config.GetSource(setting.Name), config.Origin);
            }
        }
    }
}
