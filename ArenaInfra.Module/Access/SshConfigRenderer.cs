using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using ArenaInfra.Common;
using ArenaInfra.Config;
using ArenaInfra.Proxy;

namespace ArenaInfra.Access
{
    internal sealed class SshConfigOptions
    {
        public ArenaSshConfigMode Mode { get; set; }
        public string Prefix { get; set; } = "arena";
        public string User { get; set; } = "root";
        public string IdentityFile { get; set; } = "";
        public ArenaSshHostKeyChecking HostKeyChecking { get; set; }
        /// <summary>With AcceptNew: the fleet's own known_hosts file.</summary>
        public string? KnownHostsFile { get; set; }
        public string? ProxyHost { get; set; }
        /// <summary>Only this machine's host (a participant's kit in roster mode); null for the whole fleet.</summary>
        public string? OnlyMachine { get; set; }
    }

    /// <summary>Turns pods and config into an OpenSSH client config. Pure: text in, text out.</summary>
    internal static class SshConfigRenderer
    {
        /// <summary>
        /// The config text. Only pods whose name and address pass UntrustedValue get in (refused says
        /// which did not, and why); every value written is checked or quoted, so nothing a pod or the API
        /// sends can add a line, a Host or a Match to the file.
        /// </summary>
        public static string Render(SshConfigOptions options, IReadOnlyList<ArenaPod> pods, ProxyPortPlan ports, Action<string> skipped, Action<string>? refused = null)
        {
            pods = UntrustedValue.Usable(pods, needsEndpoint: options.Mode == ArenaSshConfigMode.Direct, refused ?? (_ => { }));
            Word(options.User, "User");
            if (options.Mode == ArenaSshConfigMode.Proxy && (options.ProxyHost == null || UntrustedValue.HostProblem(options.ProxyHost) != null))
            {
                throw new ArenaException(ArenaErrorIds.InvalidConfigValue, System.Management.Automation.ErrorCategory.InvalidData,
                    $"SSH_PROXY_HOST '{UntrustedValue.Printable(options.ProxyHost)}' is not an IP address or a host name, so it cannot go into an ssh config.",
                    "Correct SSH_PROXY_HOST (ProxyHost) and run the command again.");
            }
            var text = new StringBuilder();
            text.Append("# SSH config for the ").Append(options.Prefix).Append(" fleet (").Append(options.Mode.ToString().ToLowerInvariant())
                .Append("), written by ArenaInfra's Export-ArenaSshConfig. Regenerate it rather than editing it.\n\n");
            var naming = new FleetNaming(options.Prefix);
            // ssh takes the first value it meets for each option, so a machine's own user comes before the fleet's.
            var ownUsers = pods.Where(p => p.IsFleetPod && p.SshUser != null && p.SshUser != options.User
                    && (options.OnlyMachine == null || p.MachineName == options.OnlyMachine || p.Name == naming.PodName(options.OnlyMachine)))
                .OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
            foreach (var pod in ownUsers)
            {
                text.Append("Host ").Append(pod.Name).Append("\n    User ").Append(pod.SshUser).Append("\n\n");
            }
            text.Append("Host ").Append(options.Prefix).Append("-*\n");
            if (options.Mode == ArenaSshConfigMode.Proxy) text.Append("    HostName ").Append(options.ProxyHost).Append('\n');
            text.Append("    User ").Append(options.User).Append('\n');
            text.Append("    IdentityFile ").Append(Quote(options.IdentityFile)).Append('\n');
            text.Append("    IdentitiesOnly yes\n");
            if (options.HostKeyChecking == ArenaSshHostKeyChecking.Off)
            {
                text.Append("    StrictHostKeyChecking no\n");
                text.Append("    UserKnownHostsFile /dev/null\n");
                text.Append("    LogLevel ERROR\n");
            }
            else
            {
                text.Append("    StrictHostKeyChecking accept-new\n");
                text.Append("    UserKnownHostsFile ").Append(Quote(options.KnownHostsFile ?? "~/.ssh/known_hosts")).Append('\n');
            }
            text.Append("    ServerAliveInterval 30\n");

            if (options.Mode == ArenaSshConfigMode.Proxy)
            {
                var present = pods.Where(p => p.MachineName != null).Select(p => p.MachineName!);
                foreach (var (machine, port, _) in ports.Plan(present).Where(e => options.OnlyMachine == null || e.Item1 == options.OnlyMachine))
                {
                    text.Append("\nHost ").Append(naming.PodName(machine)).Append("\n    Port ").Append(port).Append('\n');
                }
            }
            else
            {
                foreach (var pod in pods.Where(p => p.IsFleetPod && (options.OnlyMachine == null || p.MachineName == options.OnlyMachine || p.Name == naming.PodName(options.OnlyMachine))).OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    if (pod.Status != ArenaPodStatus.Running || pod.PublicIp == null || pod.SshPort == null)
                    {
                        skipped(pod.Name);
                        continue;
                    }
                    text.Append("\nHost ").Append(pod.Name).Append('\n')
                        .Append("    HostName ").Append(pod.PublicIp).Append('\n')
                        .Append("    Port ").Append(pod.SshPort.Value).Append('\n');
                }
            }
            return text.ToString();
        }

        /// <summary>
        /// A path for ssh_config: in double quotes when it has spaces. ssh_config has no escape inside
        /// quotes, so a value with a quote or a control character (a newline would start a new line of
        /// config) is refused, never written.
        /// </summary>
        public static string Quote(string value)
        {
            if (value.Length == 0 || value.IndexOf('"') >= 0 || value.Any(char.IsControl))
            {
                throw new ArenaException(ArenaErrorIds.InvalidArgument, System.Management.Automation.ErrorCategory.InvalidData,
                    $"The path '{UntrustedValue.Printable(value)}' cannot go into an ssh config: it is empty, or holds a double quote or a control character.",
                    "Choose a path without quotes or line breaks (-IdentityFile, SHARED_SSH_KEY_PATH).");
            }
            return value.IndexOf(' ') >= 0 || value.IndexOf('\t') >= 0 ? "\"" + value + "\"" : value;
        }

        /// <summary>A single word (a user name): letters, digits, '.', '_' and '-' only.</summary>
        private static void Word(string value, string what)
        {
            if (UntrustedValue.UserNameProblem(value) != null)
            {
                throw new ArenaException(ArenaErrorIds.InvalidConfigValue, System.Management.Automation.ErrorCategory.InvalidData,
                    $"The {what} '{UntrustedValue.Printable(value)}' cannot go into an ssh config: a user name is letters, digits, '.', '_' and '-'.",
                    "Correct SSH_USER (SshUser) and run the command again.");
            }
        }
    }
}
