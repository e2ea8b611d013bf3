using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;
using ArenaInfra.Config;

namespace ArenaInfra.Teardown
{
    /// <summary>
    /// The proxy's forwards, read from the fleet's nginx config on the proxy (Proxy/'s session, read only):
    /// every upstream still in it forwards a port to a pod, so it is Left. No proxy configured is Clear.
    /// </summary>
    internal static class ProxyForwards
    {
        private static readonly Regex Upstream = new Regex(@"^\s*upstream\s+(\S+)\s*\{\s*server\s+([^;\s]+)\s*;", RegexOptions.Multiline | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

        /// <summary>The most forwards listed one by one: a config larger than any fleet is summed up in one line.</summary>
        internal const int MaxListed = 200;

        /// <summary>The lines for the config's text (null: the proxy has no config file).</summary>
        public static IReadOnlyList<ArenaTeardownCheck> FromText(string? text, string configPath)
        {
            const ArenaTeardownKind kind = ArenaTeardownKind.ProxyForward;
            var fix = "Publish-ArenaProxyConfig   # once the fleet's pods are removed; or delete " + configPath + " on the proxy and reload nginx";
            var found = new List<ArenaTeardownCheck>();
            if (text != null)
            {
                var matches = Upstream.Matches(text);
                foreach (Match m in matches)
                {
                    if (found.Count == MaxListed)
                    {
                        found.Add(new ArenaTeardownCheck(kind, configPath, ArenaTeardownState.Left, $"{matches.Count - MaxListed} more forwards", fix));
                        break;
                    }
                    found.Add(new ArenaTeardownCheck(kind, m.Groups[1].Value, ArenaTeardownState.Left, $"the proxy still forwards to {m.Groups[2].Value}", fix));
                }
            }
            if (found.Count == 0)
            {
                found.Add(new ArenaTeardownCheck(kind, configPath, ArenaTeardownState.Clear, text == null ? "the proxy has no fleet config" : "the proxy's fleet config forwards nothing"));
            }
            return found;
        }

        public static ArenaTeardownCheck NoProxy() =>
            new ArenaTeardownCheck(ArenaTeardownKind.ProxyForward, "proxy", ArenaTeardownState.Clear, "no proxy is configured (ProxyHost is not set)");

        public static ArenaTeardownCheck Unreachable(string host, string why) =>
            new ArenaTeardownCheck(ArenaTeardownKind.ProxyForward, host, ArenaTeardownState.Unknown, $"the proxy could not be read: {why}", "Test-ArenaTeardown -ProxyKeyPath <your key for the proxy>");
    }
}
