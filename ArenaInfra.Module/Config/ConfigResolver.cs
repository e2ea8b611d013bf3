using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Security;
using ArenaInfra.Common;

namespace ArenaInfra.Config
{
    /// <summary>The process environment, behind an interface so precedence can be tested without touching it.</summary>
    internal interface IEnvironmentReader
    {
        string? Get(string name);
    }

    internal sealed class ProcessEnvironment : IEnvironmentReader
    {
        public static readonly ProcessEnvironment Instance = new ProcessEnvironment();
        public string? Get(string name)
        {
            var value = Environment.GetEnvironmentVariable(name);
            return string.IsNullOrWhiteSpace(value) ? null : value;
        }
    }

    /// <summary>
    /// Decides the effective config: -Config, else the session default, else $env:ARENA_CONFIG, else the
    /// per-user file, else defaults; then RUNPOD_API_KEY and RUNPOD_API_BASE_URL over values from files
    /// and defaults; then the stored key where there is still none; then -ApiKey over everything.
    /// </summary>
    internal sealed class ConfigResolver
    {
        public const string ConfigFileVariable = "ARENA_CONFIG";
        public const string ApiKeyVariable = "RUNPOD_API_KEY";
        public const string ApiBaseUrlVariable = "RUNPOD_API_BASE_URL";

        private readonly IEnvironmentReader _environment;
        private readonly string? _userFile;

        private readonly Func<(string? Key, string Path)> _storedKey;

        public ConfigResolver(IEnvironmentReader environment, string? userFile, Func<(string? Key, string Path)>? storedKey = null)
        {
            _environment = environment;
            _userFile = userFile;
            _storedKey = storedKey ?? (() => (null, ""));
        }

        public static ConfigResolver ForProcess() => new ConfigResolver(ProcessEnvironment.Instance, UserConfigFile.Path, () => (StoredApiKey.Load(), StoredApiKey.Path));

        public ArenaConfig Resolve(ArenaConfig? explicitConfig, ArenaConfig? sessionDefault, SecureString? apiKey, IList<string> warnings)
        {
            var config = explicitConfig?.WithOrigin(ArenaConfigOrigin.Parameter)
                ?? sessionDefault?.WithOrigin(ArenaConfigOrigin.Session)
                ?? FromFiles(warnings);
            config = ApplyEnvironment(config);
            if (config.ApiKeyText == null)
            {
                // The key stored with Set-ArenaApiKey comes last: for scheduled scripts with no key around them.
                var (stored, path) = _storedKey();
                if (stored != null) config = config.With(ConfigSetting.ApiKeyName, stored, ArenaConfigSource.FromStoredKey(path));
            }
            if (apiKey != null && apiKey.Length > 0)
            {
                config = config.With(ConfigSetting.ApiKeyName, Secrets.ToPlainText(apiKey), ArenaConfigSource.FromParameter("ApiKey"));
            }
            return config;
        }

        private ArenaConfig FromFiles(IList<string> warnings)
        {
            var named = _environment.Get(ConfigFileVariable);
            if (named != null)
            {
                // A file that was named but is missing is an error, never a silent fallback.
                return ConfigLoader.LoadFile(ConfigValueConverter.ExpandHome(named), ArenaConfigOrigin.EnvironmentFile, warnings);
            }
            if (_userFile != null && File.Exists(_userFile))
            {
                return ConfigLoader.LoadFile(_userFile, ArenaConfigOrigin.UserFile, warnings);
            }
            return ConfigLoader.Defaults();
        }

        /// <summary>Environment variables win over files and defaults, never over a parameter.</summary>
        public ArenaConfig ApplyEnvironment(ArenaConfig config)
        {
            config = Override(config, ConfigSetting.ApiKeyName, ApiKeyVariable);
            return Override(config, "ApiBaseUrl", ApiBaseUrlVariable);
        }

        private ArenaConfig Override(ArenaConfig config, string settingName, string variable)
        {
            var value = _environment.Get(variable);
            if (value == null || config.GetSource(settingName).Kind == ArenaConfigSourceKind.Parameter) return config;
            var setting = ConfigSetting.Get(settingName);
            var typed = ConfigValueConverter.Convert(setting, value, null, $"$env:{variable}");
            return config.With(settingName, typed, ArenaConfigSource.FromEnvironment(variable));
        }
    }

    internal static class UserConfigFile
    {
        /// <summary>%APPDATA%\ArenaInfra\config.env on Windows; $XDG_CONFIG_HOME or ~/.config, arena-infra/config.env, elsewhere.</summary>
        public static string? Path
        {
            get
            {
                if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                {
                    var appData = Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData);
                    return appData.Length == 0 ? null : System.IO.Path.Combine(appData, "ArenaInfra", "config.env");
                }
                var xdg = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
                var root = string.IsNullOrEmpty(xdg)
                    ? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config")
                    : xdg!;
                return System.IO.Path.Combine(root, "arena-infra", "config.env");
            }
        }
    }

    /// <summary>The session default config, one per runspace, so parallel runspaces never share it.</summary>
    internal static class SessionConfigStore
    {
        private sealed class Holder
        {
            public ArenaConfig? Config;
        }

        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, Holder> Store =
            new System.Runtime.CompilerServices.ConditionalWeakTable<object, Holder>();

        public static ArenaConfig? Get(object runspaceKey) => Store.TryGetValue(runspaceKey, out var holder) ? holder.Config : null;

        public static void Set(object runspaceKey, ArenaConfig? config) => Store.GetOrCreateValue(runspaceKey).Config = config;
    }
}
