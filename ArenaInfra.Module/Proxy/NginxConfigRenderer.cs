using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using ArenaInfra.Common;
using ArenaInfra.Pods;

namespace ArenaInfra.Proxy
{
    internal sealed class NginxConfigOptions
    {
        public string Prefix { get; set; } = "arena";
        /// <summary>Where nginx writes the fleet's SSH access and error logs.</summary>
        public string LogDirectory { get; set; } = "/var/log/nginx";
        /// <summary>An address to listen on, such as 127.0.0.1; null for every address.</summary>
        public string? ListenAddress { get; set; }
    }

    /// <summary>
    /// Turns pods into an nginx stream configuration: one upstream and one server a pod, on the port
    /// the port plan gives it. Pure: text in, text out. It goes inside a stream { } block.
    /// </summary>
    internal static class NginxConfigRenderer
    {
        /// <summary>Only pods whose name and address pass UntrustedValue get a server (refused says which did not); the rest of the text is ours.</summary>
        public static string Render(NginxConfigOptions options, IReadOnlyList<ArenaPod> pods, ProxyPortPlan ports, Action<string> skipped, Action<string>? refused = null)
        {
            pods = UntrustedValue.Usable(pods, needsEndpoint: true, refused ?? (_ => { }));
            // nginx resolves a host name when it loads the config: one that does not resolve would fail every publish. RunPod gives addresses.
            pods = pods.Where(p =>
            {
                if (p.PublicIp == null || System.Net.IPAddress.TryParse(p.PublicIp, out _)) return true;
                refused?.Invoke($"The pod {p.Name} ({p.Id}) is left out of the nginx config: its address '{p.PublicIp}' is a host name, which nginx would have to resolve to start.");
                return false;
            }).ToList();
            if (options.ListenAddress != null && UntrustedValue.HostProblem(options.ListenAddress) != null)
            {
                throw new ArenaException(ArenaErrorIds.InvalidConfigValue, System.Management.Automation.ErrorCategory.InvalidData,
                    $"The listen address '{UntrustedValue.Printable(options.ListenAddress)}' is not an IP address or a host name.", "Correct SSH_PROXY_LISTEN_ADDRESS or -ListenAddress.");
            }
            if (options.LogDirectory.Length == 0 || options.LogDirectory.Any(c => char.IsControl(c) || c == ';' || c == '{' || c == '}' || c == '\'' || c == '"' || c == ' '))
            {
                throw new ArenaException(ArenaErrorIds.InvalidConfigValue, System.Management.Automation.ErrorCategory.InvalidData,
                    $"The log folder '{UntrustedValue.Printable(options.LogDirectory)}' cannot go into an nginx config (no spaces, quotes, ';', braces or control characters).", "Correct SSH_PROXY_NGINX_LOG_DIR or -LogDirectory.");
            }
            var safePrefix = SafeName(options.Prefix);
            var text = new StringBuilder();
            text.Append("# nginx stream config for the ").Append(options.Prefix).Append(" fleet, written by ArenaInfra's Export-ArenaNginxConfig.\n");
            text.Append("# Include it inside a stream { } block. Regenerate it rather than editing it.\n\n");
            text.Append("log_format ").Append(safePrefix).Append("_ssh '$remote_addr [$time_local] $protocol $status $bytes_sent $bytes_received $session_time \"$upstream_addr\"';\n");
            text.Append("access_log ").Append(Path(options.LogDirectory, $"arena-{options.Prefix}-ssh.log")).Append(' ').Append(safePrefix).Append("_ssh;\n");
            text.Append("error_log ").Append(Path(options.LogDirectory, $"arena-{options.Prefix}-ssh-error.log")).Append(";\n");

            var fleet = pods.Where(p => p.MachineName != null && p.Status != ArenaPodStatus.Terminated).ToList();
            var byMachine = fleet.GroupBy(p => p.MachineName!).ToDictionary(g => g.Key, g => g.OrderByDescending(p => p.Status == ArenaPodStatus.Running).First(), StringComparer.Ordinal);
            foreach (var (machine, port, _) in ports.Plan(byMachine.Keys))
            {
                if (!byMachine.TryGetValue(machine, out var pod)) continue;
                if (!Forwarded(pod) || pod.PublicIp == null || pod.SshPort == null)
                {
                    skipped(pod.Name);
                    continue;
                }
                var upstream = SafeName(pod.Name);
                var listen = options.ListenAddress == null ? port.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{options.ListenAddress}:{port}";
                text.Append('\n')
                    .Append("upstream ").Append(upstream).Append(" { server ").Append(pod.PublicIp).Append(':').Append(pod.SshPort.Value).Append("; }\n")
                    .Append("server { listen ").Append(listen).Append("; proxy_pass ").Append(upstream).Append("; proxy_connect_timeout 10s; }\n");
            }
            return text.ToString();
        }

        // A pod whose provider did not answer keeps its forward at its last known endpoint: a silent API says nothing of the pod.
        private static bool Forwarded(ArenaPod pod) =>
            pod.Status == ArenaPodStatus.Running || (pod.Status == ArenaPodStatus.Unknown && pod.ProviderProblem != null);

        /// <summary>The fleet's config from its settings; a warning for each pod whose port can move, a note for each pod left out.</summary>
        public static string ForFleet(ArenaConfig config, IReadOnlyList<ArenaPod> pods, string logDirectory, string? listenAddress, Action<string> warn, Action<string> skipped)
        {
            // A fleet config routes by name: with two pods of one name it could route to the impostor.
            // Nothing is rendered, so a proxy keeps the config it has rather than losing or misrouting the name.
            var duplicate = PodSelection.Duplicates(pods.Where(p => p.IsFleetPod)).FirstOrDefault();
            if (duplicate.Key != null) throw PodSelection.DuplicateError(duplicate.Key, duplicate.Value, "no proxy config was made, so the proxy keeps the one it has");
            var plan = ProxyPortPlan.For(config);
            ProxyPortPlan.WarnAboutUnlistedNames(plan, pods, warn);
            var options = new NginxConfigOptions { Prefix = config.Prefix, LogDirectory = logDirectory, ListenAddress = listenAddress };
            return Render(options, pods, plan, skipped, warn);
        }

        /// <summary>nginx names: letters, digits and underscores.</summary>
        public static string SafeName(string name) => Regex.Replace(name, "[^A-Za-z0-9_]", "_");

        private static string Path(string directory, string file) => directory.TrimEnd('/') + "/" + file;
    }
}
