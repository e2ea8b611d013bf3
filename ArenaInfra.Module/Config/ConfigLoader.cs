using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.Common;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace ArenaInfra.Config
{
    /// <summary>Reads a config file (old config.env format or JSON) into an ArenaConfig over the defaults.</summary>
    internal static class ConfigLoader
    {
        public static ArenaConfig Defaults() =>
            new ArenaConfig(ConfigSetting.All.ToDictionary(s => s.Name, DefaultValue), ArenaConfigOrigin.Defaults, null);

        private static ConfigValue DefaultValue(ConfigSetting setting)
        {
            var value = setting.DefaultValue;
            if (setting.Kind == ConfigValueKind.LocalPath && value is string path) value = ConfigValueConverter.ExpandHome(path);
            return new ConfigValue(value, ArenaConfigSource.Default);
        }

        public static ArenaConfig LoadFile(string path, ArenaConfigOrigin origin, IList<string> warnings)
        {
            if (!File.Exists(path))
            {
                var named = origin == ArenaConfigOrigin.EnvironmentFile ? $" (named by $env:{ConfigResolver.ConfigFileVariable})" : "";
                throw new ArenaException(ArenaErrorIds.ConfigFileNotFound, ErrorCategory.ObjectNotFound,
                    $"The config file '{path}'{named} does not exist.",
                    (origin == ArenaConfigOrigin.EnvironmentFile ? $"Correct $env:{ConfigResolver.ConfigFileVariable}, or remove it to use the default config; or " : "Check the path, or ")
                    + "create the file: Get-Help about_ArenaInfra_Config lists every setting.", target: path);
            }
            string text;
            try
            {
                text = InputFile.ReadText(path, "The config file");
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new ArenaException(ArenaErrorIds.ConfigFileNotFound, ErrorCategory.ReadError,
                    $"The config file '{path}' cannot be read: {e.Message}", "Check the file's permissions.", e, path);
            }

            var entries = IsJson(path, text) ? JsonConfigReader.Read(text, path) : EnvFileReader.Read(text, path);
            return Build(entries, path, origin, warnings);
        }

        private static bool IsJson(string path, string text) =>
            path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n').StartsWith("{", StringComparison.Ordinal);

        private static ArenaConfig Build(IEnumerable<RawConfigEntry> entries, string path, ArenaConfigOrigin origin, IList<string> warnings)
        {
            var values = ConfigSetting.All.ToDictionary(s => s.Name, DefaultValue);
            var setAt = new Dictionary<string, int>();
            foreach (var entry in entries)
            {
                var setting = ConfigSetting.Find(entry.Key);
                if (setting == null)
                {
                    var nearest = ConfigSetting.Nearest(entry.Key);
                    warnings.Add($"{path} line {entry.Line}: unknown setting '{UntrustedValue.Printable(entry.Key)}' is ignored." + (nearest == null ? "" : $" Did you mean {nearest}?"));
                    continue;
                }
                if (setAt.TryGetValue(setting.Name, out var earlier))
                {
                    warnings.Add($"{path} line {entry.Line}: {entry.Key} is set again (first on line {earlier}); the later value wins.");
                }
                setAt[setting.Name] = entry.Line;
                var value = ConfigValueConverter.Convert(setting, entry.Scalar, entry.List, $"{path} line {entry.Line}");
                // An empty value means "not set": the default stands, but the file is still named as the source.
                if (value == null && setting.DefaultValue != null) value = DefaultValue(setting).Value;
                values[setting.Name] = new ConfigValue(value, ArenaConfigSource.FromFile(path, entry.Line));
            }
            var config = new ArenaConfig(values, origin, path);
            CheckCombination(config, path);
            return config;
        }

        /// <summary>Rules that span settings: every pod name and every proxy port must be valid.</summary>
        internal static void CheckCombination(ArenaConfig config, string where)
        {
            var longest = config.MachineNames.OrderByDescending(n => n.Length).First();
            if (config.Prefix.Length + 1 + longest.Length > 63)
            {
                var source = config.GetSource("MachineNames");
                throw ConfigValueConverter.Invalid(source.Kind == ArenaConfigSourceKind.File ? $"{where} line {source.Line}" : where,
                    ConfigSetting.Get("MachineNames"), $"makes the pod name '{config.Prefix}-{longest}' longer than 63 characters");
            }
            var lastPort = config.ProxyStartingPort + config.MachineNames.Length - 1;
            if (lastPort > 65535)
            {
                var source = config.GetSource("ProxyStartingPort");
                throw ConfigValueConverter.Invalid(source.Kind == ArenaConfigSourceKind.File ? $"{where} line {source.Line}" : where,
                    ConfigSetting.Get("ProxyStartingPort"), $"leaves no room for {config.MachineNames.Length} proxy ports (the last would be {lastPort})");
            }
        }
    }

    /// <summary>Reads the JSON form: an object whose keys are ArenaConfig property names or config.env keys.</summary>
    internal static class JsonConfigReader
    {
        public static List<RawConfigEntry> Read(string text, string path)
        {
            JObject root;
            try
            {
                using var reader = new JsonTextReader(new StringReader(text)) { DateParseHandling = DateParseHandling.None };
                root = JObject.Load(reader, new JsonLoadSettings { LineInfoHandling = LineInfoHandling.Load, DuplicatePropertyNameHandling = DuplicatePropertyNameHandling.Error });
            }
            catch (JsonReaderException e)
            {
                throw EnvFileReader.ParseError(path, e.LineNumber, $"not valid JSON ({FirstSentence(e.Message)})");
            }

            var entries = new List<RawConfigEntry>();
            foreach (var property in root.Properties())
            {
                var line = ((IJsonLineInfo)property).LineNumber;
                switch (property.Value.Type)
                {
                    case JTokenType.Array:
                        var items = new List<string>();
                        foreach (var item in (JArray)property.Value)
                        {
                            if (item.Type != JTokenType.String)
                            {
                                throw EnvFileReader.ParseError(path, ((IJsonLineInfo)item).LineNumber, $"the list {property.Name} may hold only strings");
                            }
                            items.Add((string)item!);
                        }
                        entries.Add(new RawConfigEntry(property.Name, null, items, line));
                        break;
                    case JTokenType.String:
                    case JTokenType.Integer:
                    case JTokenType.Float:
                    case JTokenType.Boolean:
                        entries.Add(new RawConfigEntry(property.Name, Convert.ToString(((JValue)property.Value).Value, System.Globalization.CultureInfo.InvariantCulture), null, line));
                        break;
                    case JTokenType.Null:
                        entries.Add(new RawConfigEntry(property.Name, "", null, line));
                        break;
                    default:
                        throw EnvFileReader.ParseError(path, line, $"{property.Name} must be a string, a number or a list of strings");
                }
            }
            return entries;
        }

        private static string FirstSentence(string message)
        {
            var end = message.IndexOf(". ", StringComparison.Ordinal);
            return end > 0 ? message.Substring(0, end) : message.TrimEnd('.');
        }
    }
}
