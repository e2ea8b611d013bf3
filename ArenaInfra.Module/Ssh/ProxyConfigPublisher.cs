using System.Management.Automation;

namespace ArenaInfra.Ssh
{
    /// <summary>
    /// Puts a new fleet config on the proxy without ever breaking it: the old file is kept aside, nginx -t
    /// judges the new one, a rejected file is rolled back before nginx is touched, and only an accepted
    /// one is reloaded. A typo can no longer take every pod offline at once.
    /// </summary>
    internal static class ProxyConfigPublisher
    {
        public static ArenaProxyPublishResult Apply(ProxyMachine proxy, string host, string text, string? current, IArenaLog log)
        {
            var result = new ArenaProxyPublishResult { ProxyHost = host, Path = proxy.ConfigPath, Diff = Rendering.LineDiff.Render(current ?? "", text) };
            if (current == text)
            {
                log.Verbose($"{proxy.ConfigPath} on {host} is up to date; nginx is left alone.");
                return result;
            }

            var path = ProxyMachine.Q(proxy.ConfigPath);
            var previous = ProxyMachine.Q(proxy.ConfigPath + ".arena-previous");
            if (current != null) Checked(proxy.Shell($"cp -p -- {path} {previous}"), "keeping the current config aside");
            proxy.Write(proxy.ConfigPath, text);
            result.Changed = true;

            var test = proxy.TestNginx();
            if (test.ExitCode != 0)
            {
                var restore = current != null ? proxy.Shell($"mv -f -- {previous} {path}") : proxy.Shell($"rm -f -- {path}");
                var restored = restore.ExitCode == 0 ? "The previous config is back in place and nginx was not reloaded, so the proxy works as before."
                    : $"Restoring the previous config failed too ({restore.StdErr.Trim()}): fix {proxy.ConfigPath} on the proxy before nginx restarts.";
                throw new ArenaException(ArenaErrorIds.ProxyConfigInvalid, ErrorCategory.InvalidData,
                    $"nginx rejected the new config: {(test.StdErr + test.StdOut).Trim()} {restored}",
                    "Look at nginx's message above; Export-ArenaNginxConfig shows the config that was rejected.", target: proxy.ConfigPath);
            }
            log.Verbose($"nginx accepts the new config: {test.StdErr.Trim()}");

            var reload = proxy.ReloadNginx();
            if (reload.ExitCode != 0)
            {
                throw new ArenaException(ArenaErrorIds.ProxyReloadFailed, ErrorCategory.InvalidOperation,
                    $"The new config is valid and in place, but reloading nginx failed: {(reload.StdErr + reload.StdOut).Trim()}",
                    "Check that nginx runs on the proxy and that ProxyNginxReloadCommand is right; then publish again.", target: proxy.ConfigPath);
            }
            result.Reloaded = true;
            return result;
        }

        /// <summary>Prepares a fresh proxy: nginx with the stream module, and the fleet's config included once.</summary>
        public static ArenaProxyInitializeResult Initialize(ProxyMachine proxy, string host, string prefix, bool install, IArenaLog log)
        {
            var result = new ArenaProxyInitializeResult { ProxyHost = host, NginxConf = proxy.NginxConf, ConfigPath = proxy.ConfigPath, Installed = install };
            if (install)
            {
                log.Verbose("Installing nginx with the stream module on the proxy.");
                Checked(proxy.Install(), "installing nginx");
            }
            var conf = ProxyMachine.Q(proxy.NginxConf);
            var file = proxy.ConfigPath;
            Checked(proxy.Shell($"mkdir -p -- \"$(dirname -- {ProxyMachine.Q(file)})\" && {{ [ -f {ProxyMachine.Q(file)} ] || : > {ProxyMachine.Q(file)}; }}"), "creating the fleet's config file");

            var includeLine = $"include {file}; # ArenaInfra: the {prefix} fleet";
            var hasInclude = proxy.Shell($"grep -qF -- {ProxyMachine.Q(includeLine)} {conf}").ExitCode == 0;
            if (hasInclude)
            {
                log.Verbose($"{proxy.NginxConf} already includes {file}.");
            }
            else
            {
                Checked(proxy.Shell($"cp -p -- {conf} {conf}.arena-backup"), $"backing up {proxy.NginxConf}");
                // Inside the first stream block if there is one, else in a stream block of its own at the end.
                var add = $"if grep -qE '^[[:space:]]*stream[[:space:]]*\\{{' {conf}; then " +
                          $"sed -i '0,/^[[:space:]]*stream[[:space:]]*{{/s||&\\n    {includeLine.Replace("/", "\\/")}|' {conf}; " +
                          $"else printf '\\nstream {{\\n    %s\\n}}\\n' {ProxyMachine.Q(includeLine)} >> {conf}; fi";
                Checked(proxy.Shell(add), $"adding the include to {proxy.NginxConf}");
            }

            var test = proxy.TestNginx();
            if (test.ExitCode != 0)
            {
                if (!hasInclude) proxy.Shell($"mv -f -- {conf}.arena-backup {conf}");
                throw new ArenaException(ArenaErrorIds.ProxyConfigInvalid, ErrorCategory.InvalidData,
                    $"nginx rejects the proxy's config: {(test.StdErr + test.StdOut).Trim()}{(hasInclude ? "" : $" {proxy.NginxConf} was put back as it was.")}",
                    "Fix the proxy's nginx config by hand, then run Initialize-ArenaProxy again.", target: proxy.NginxConf);
            }
            Checked(proxy.ReloadNginx(), "reloading nginx");
            result.IncludeAdded = !hasInclude;
            return result;
        }

        private static void Checked(CommandOutput output, string what)
        {
            if (output.ExitCode == 0) return;
            throw new ArenaException(ArenaErrorIds.ProxyCommandFailed, ErrorCategory.InvalidOperation,
                $"On the proxy, {what} failed (exit code {output.ExitCode?.ToString() ?? "none"}): {(output.StdErr + output.StdOut).Trim()}",
                "Check that ProxyUser may do this (root, or a user with the rights the commands need).");
        }
    }
}
