using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using ArenaInfra.Common;

namespace ArenaInfra.Config
{
    /// <summary>Turns a setting's text as written into its typed value, or says exactly what is wrong.</summary>
    internal static class ConfigValueConverter
    {
        private static readonly string[] CloudTypes = { "COMMUNITY", "SECURE", "ALL" };
        private static readonly string[] ApiKinds = { "rest", "graphql" };

        /// <summary>RunPod v2 refuses a persistent volume below this many GB.</summary>
        public const int MinimumVolumeGB = 10;

        // One DNS label (RFC 1123): what an ssh Host alias, an nginx upstream and a pod name all accept.
        private static readonly Regex HostLabel = new Regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", RegexOptions.CultureInvariant);

        public static object? Convert(ConfigSetting setting, string? scalar, IReadOnlyList<string>? list, string where)
        {
            if (setting.Kind == ConfigValueKind.NameList)
            {
                var names = list ?? (scalar ?? "").Split(new[] { ' ', '\t', ',' }, StringSplitOptions.RemoveEmptyEntries);
                return ValidateNames(setting, names, where);
            }
            if (list != null)
            {
                throw Invalid(where, setting, "takes one value, not a list");
            }
            var text = (scalar ?? "").Trim();
            // No setting takes a control character: a newline in a value would start a new line of whatever it is written into.
            if (text.Any(char.IsControl))
            {
                throw Invalid(where, setting, "holds a control character (a line break, a tab, ...); settings are one line of plain text");
            }
            switch (setting.Kind)
            {
                case ConfigValueKind.UserName:
                    if (UntrustedValue.UserNameProblem(text) != null)
                    {
                        throw Invalid(where, setting, $"'{text}' is not a user name (letters, digits, '.', '_' and '-')");
                    }
                    return text;
                case ConfigValueKind.HostName:
                    if (text.Length == 0) return null;
                    var hostProblem = UntrustedValue.HostProblem(text);
                    return hostProblem == null ? text : throw Invalid(where, setting, $"is not an IP address or a host name ('{text}')");
                case ConfigValueKind.Integer:
                case ConfigValueKind.Port:
                    if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
                    {
                        throw Invalid(where, setting, $"must be a whole number, not '{text}'");
                    }
                    var minimum = setting.Kind == ConfigValueKind.Port ? 1 : setting.Minimum;
                    if (number < minimum || (setting.Kind == ConfigValueKind.Port && number > 65535))
                    {
                        throw Invalid(where, setting, setting.Kind == ConfigValueKind.Port
                            ? $"must be a port from 1 to 65535, not {number}"
                            : $"must be at least {minimum}, not {number}");
                    }
                    return number;
                case ConfigValueKind.VolumeSize:
                    if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var size) || size < 0)
                    {
                        throw Invalid(where, setting, $"must be 0 (no volume) or a size in GB, not '{text}'");
                    }
                    if (size > 0 && size < MinimumVolumeGB)
                    {
                        throw Invalid(where, setting, $"is {size}, but RunPod's smallest volume is {MinimumVolumeGB} GB; give 0 for no volume or at least {MinimumVolumeGB}");
                    }
                    return size;
                case ConfigValueKind.ApiKind:
                    var api = ApiKinds.FirstOrDefault(a => string.Equals(a, text, StringComparison.OrdinalIgnoreCase));
                    return api ?? throw Invalid(where, setting, $"must be rest (RunPod's REST API v2) or graphql (deprecated, until RunPod retires it), not '{text}'");
                case ConfigValueKind.CloudType:
                    // One cloud, or several in order of preference: "COMMUNITY, SECURE".
                    var clouds = new List<string>();
                    foreach (var part in text.Split(',').Select(p => p.Trim()))
                    {
                        var cloud = CloudTypes.FirstOrDefault(c => string.Equals(c, part, StringComparison.OrdinalIgnoreCase));
                        clouds.Add(cloud ?? throw Invalid(where, setting, $"must be COMMUNITY, SECURE or ALL (or several, comma-separated, in order), not '{text}'"));
                    }
                    return string.Join(",", clouds);
                case ConfigValueKind.HostLabel:
                    if (!HostLabel.IsMatch(text))
                    {
                        throw Invalid(where, setting, $"'{text}' cannot be part of a host name (use lower-case letters, digits and '-')");
                    }
                    return text;
                case ConfigValueKind.Url:
                    if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != "https" && uri.Scheme != "http"))
                    {
                        throw Invalid(where, setting, $"must be an http or https URL, not '{text}'");
                    }
                    return text.TrimEnd('/');
                case ConfigValueKind.Boolean:
                    switch (text.ToLowerInvariant())
                    {
                        case "true": case "yes": case "on": case "1": return true;
                        case "false": case "no": case "off": case "0": return false;
                        default: throw Invalid(where, setting, $"must be true or false, not '{text}'");
                    }
                case ConfigValueKind.LocalPath:
                    return text.Length == 0 ? throw Invalid(where, setting, "must not be empty") : ExpandHome(text);
                case ConfigValueKind.Secret:
                    return text.Length == 0 ? null : text;
                case ConfigValueKind.ProviderList:
                    return ProviderList(setting, text, where);
                case ConfigValueKind.Usd:
                    return UsdAmount.TryParse(text, out var usd) ? usd : throw Invalid(where, setting, $"must be an amount of US dollars above 0 and at most {UsdAmount.Maximum} (like 5 or 7.50), not '{text}'");
                default:
                    return text.Length == 0 && setting.DefaultValue == null ? null : text;
            }
        }

        private static string? ProviderList(ConfigSetting setting, string text, string where)
        {
            if (text.Length == 0) return null;
            var chosen = new List<string>();
            foreach (var part in text.Split(',').Select(p => p.Trim()))
            {
                var known = Enum.GetNames(typeof(ArenaProvider)).FirstOrDefault(n => string.Equals(n, part, StringComparison.OrdinalIgnoreCase));
                if (known == null) throw Invalid(where, setting, $"must name RunPod, Static or Vast (comma-separated), not '{part}'");
                if (chosen.Contains(known)) throw Invalid(where, setting, $"names {known} twice");
                chosen.Add(known);
            }
            return string.Join(",", chosen);
        }

        private static string[] ValidateNames(ConfigSetting setting, IReadOnlyList<string> names, string where)
        {
            if (names.Count == 0)
            {
                throw Invalid(where, setting, "is empty; list at least one machine name");
            }
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var name in names)
            {
                if (name.Trim().Length == 0)
                {
                    throw Invalid(where, setting, "has an empty machine name");
                }
                if (!HostLabel.IsMatch(name))
                {
                    throw Invalid(where, setting, $"has the machine name '{name}', which cannot be a host name (use lower-case letters, digits and '-')");
                }
                if (!seen.Add(name))
                {
                    throw Invalid(where, setting, $"has the machine name '{name}' more than once");
                }
            }
            return names.ToArray();
        }

        /// <summary>Expands a leading ~ to the user's home directory, as the shell did for the old scripts.</summary>
        public static string ExpandHome(string path)
        {
            if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal))
            {
                var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
                return path.Length == 1 ? home : System.IO.Path.Combine(home, path.Substring(2));
            }
            return path;
        }

        public static ArenaException Invalid(string where, ConfigSetting setting, string what)
        {
            // A secret is never echoed, whatever is wrong with it.
            var subject = setting.Kind == ConfigValueKind.Secret ? setting.FileKey + " (value hidden)" : setting.FileKey;
            return new ArenaException(ArenaErrorIds.InvalidConfigValue, ErrorCategory.InvalidData,
                $"{where}: {subject} {what}.",
                $"Correct {setting.FileKey} ({setting.Name}) and run the command again.");
        }
    }

    /// <summary>A spending limit in US dollars: above zero, at most two decimals, and a sane ceiling.</summary>
    internal static class UsdAmount
    {
        public const decimal Maximum = 100000m;

        public static bool TryParse(string text, out decimal amount) =>
            decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out amount) && IsValid(amount);

        public static bool IsValid(decimal amount) => amount > 0 && amount <= Maximum && decimal.Round(amount, 2) == amount;
    }
}
