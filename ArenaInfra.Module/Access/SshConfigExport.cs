using System;
using System.Collections.Generic;
using ArenaInfra.Proxy;

namespace ArenaInfra.Access
{
    /// <summary>
    /// Export-ArenaSshConfig's config for a fleet: the mode (-Mode, else Proxy when the config names a
    /// proxy), the options it implies, and the text for the chosen pods. Pure: text in, text out.
    /// </summary>
    internal sealed class SshConfigExport
    {
        private readonly ArenaConfig _config;

        private SshConfigExport(ArenaConfig config, SshConfigOptions options)
        {
            _config = config;
            Options = options;
        }

        public SshConfigOptions Options { get; }

        /// <summary>The export the parameters ask for; ProxyHostMissing when they ask for a proxy the config does not name.</summary>
        /// <param name="identityFile">-IdentityFile; null for the config's SharedKeyPath.</param>
        /// <param name="knownHostsFile">The fleet's own known_hosts, for AcceptNew.</param>
        public static SshConfigExport For(ArenaConfig config, ArenaSshConfigMode? mode, string? identityFile, ArenaSshHostKeyChecking hostKeyChecking, string knownHostsFile)
        {
            var chosen = mode ?? (config.ProxyHost == null ? ArenaSshConfigMode.Direct : ArenaSshConfigMode.Proxy);
            if (chosen == ArenaSshConfigMode.Proxy && config.ProxyHost == null)
            {
                throw new ArenaException(ArenaErrorIds.ProxyHostMissing, System.Management.Automation.ErrorCategory.InvalidArgument,
                    "-Mode Proxy needs a proxy, but ProxyHost (SSH_PROXY_HOST) is not set.", "Set SSH_PROXY_HOST in the config file, or use -Mode Direct.");
            }
            return new SshConfigExport(config, new SshConfigOptions
            {
                Mode = chosen,
                Prefix = config.Prefix,
                User = config.SshUser,
                IdentityFile = identityFile ?? config.SharedKeyPath,
                HostKeyChecking = hostKeyChecking,
                KnownHostsFile = knownHostsFile,
                ProxyHost = config.ProxyHost,
            });
        }

        /// <summary>The mode and where it points, in a sentence: a proxy chosen by the config alone is no surprise.</summary>
        public string Describe() => Options.Mode == ArenaSshConfigMode.Proxy
            ? $"Proxy mode: every {Options.Prefix} name goes through the proxy {TerminalText.SafeLine(Options.ProxyHost ?? "")}, each at its own port there (SSH_PROXY_HOST; -Mode Direct for each pod's own address)."
            : $"Direct mode: each {Options.Prefix} pod at its own public IP and port (install again when pods change; -Mode Proxy, with SSH_PROXY_HOST set, for names that never move).";

        /// <summary>
        /// The config text for these pods. Names outside MachineNames get a warning in proxy mode (their
        /// port can move); a pod without an endpoint yet is left out with a verbose line.
        /// </summary>
        public string Render(IReadOnlyList<ArenaPod> pods, Action<string> verbose, Action<string> warning)
        {
            var plan = ProxyPortPlan.For(_config);
            if (Options.Mode == ArenaSshConfigMode.Proxy) ProxyPortPlan.WarnAboutUnlistedNames(plan, pods, warning);
            return SshConfigRenderer.Render(Options, pods, plan, name => verbose($"{name} has no public SSH endpoint yet; it is left out."), warning);
        }
    }
}
