using System.Management.Automation;
using ArenaInfra.Common;
using ArenaInfra.Ssh;

namespace ArenaInfra.Proxy
{
    /// <summary>
    /// Puts a new fleet config on the proxy without ever breaking it: the old file is kept aside, nginx -t
    /// judges the new one, a rejected file is rolled back before nginx is touched, and only an accepted
    /// one is reloaded. A typo can no longer take every pod offline at once.
    /// </summary>
    internal static class ProxyConfigPublisher
    {
        /// <summary>
        /// What nginx runs now, as far as publishing knows: the copy kept at the last successful reload
        /// (path.arena-applied), else the live file. "Up to date" is judged against this, so a file left
        /// in place untested (an older publish interrupted) is never taken for what nginx runs.
        /// </summary>
        public static string? Current(ProxyMachine proxy) => proxy.Read(proxy.ConfigPath + ".arena-applied") ?? proxy.Read(proxy.ConfigPath);

        /// <summary>
        /// Publishes atomically from the proxy's side: the new file is uploaded beside the live one, then
        /// one remote script (which ignores a hang-up, so a dropped connection cannot stop it half-way)
        /// swaps it in, tests it, and either reloads nginx and records what it reloaded, or puts the
        /// previous file back before nginx is touched.
        /// </summary>
        public static ArenaProxyPublishResult Apply(ProxyMachine proxy, string host, string text, string? current, IArenaLog log)
        {
            var result = new ArenaProxyPublishResult { ProxyHost = host, Path = proxy.ConfigPath, Diff = LineDiff.Render(current ?? "", text) };
            var live = proxy.Read(proxy.ConfigPath);
            if (current == text && live == text)
            {
                log.Verbose($"{proxy.ConfigPath} on {host} is what nginx last reloaded; nginx is left alone.");
                return result;
            }

            proxy.Upload(proxy.ConfigPath + ".arena-new", text);
            result.Changed = true;
            var q = (System.Func<string, string>)ProxyMachine.Q;
            var p = q(proxy.ConfigPath);
            var script = string.Join("\n",
                "trap '' HUP",
                $"p={p}",
                "if [ -f \"$p\" ]; then cp -p -- \"$p\" \"$p.arena-previous\"; else rm -f -- \"$p.arena-previous\"; fi",
                "mv -f -- \"$p.arena-new\" \"$p\"",
                $"if {{ {proxy.TestCommandText}; }} > \"$p.arena-test.log\" 2>&1; then",
                $"  if {{ {proxy.ReloadCommandText}; }} > \"$p.arena-reload.log\" 2>&1; then cp -p -- \"$p\" \"$p.arena-applied\"; echo ARENA-RELOADED; else echo ARENA-RELOAD-FAILED; cat \"$p.arena-reload.log\"; fi",
                "  cat \"$p.arena-test.log\" >&2",
                "else",
                "  if [ -f \"$p.arena-previous\" ]; then mv -f -- \"$p.arena-previous\" \"$p\" && echo ARENA-RESTORED; else rm -f -- \"$p\" && echo ARENA-RESTORED; fi",
                "  echo ARENA-REJECTED",
                "  cat \"$p.arena-test.log\"",
                "fi");
            var output = proxy.Shell(script);
            var said = (output.StdOut + output.StdErr).Replace("ARENA-RELOADED", "").Replace("ARENA-RELOAD-FAILED", "").Replace("ARENA-REJECTED", "").Replace("ARENA-RESTORED", "").Trim();
            if (output.StdOut.Contains("ARENA-REJECTED"))
            {
                var restored = output.StdOut.Contains("ARENA-RESTORED") ? "The previous config is back in place and nginx was not reloaded, so the proxy works as before."
                    : $"Restoring the previous config failed too: fix {proxy.ConfigPath} on the proxy before nginx restarts.";
                throw new ArenaException(ArenaErrorIds.ProxyConfigInvalid, ErrorCategory.InvalidData,
                    $"nginx rejected the new config: {said} {restored}",
                    "Look at nginx's message above; Export-ArenaNginxConfig shows the config that was rejected.", target: proxy.ConfigPath);
            }
            if (output.StdOut.Contains("ARENA-RELOAD-FAILED"))
            {
                throw new ArenaException(ArenaErrorIds.ProxyReloadFailed, ErrorCategory.InvalidOperation,
                    $"The new config is valid and in place, but reloading nginx failed: {said}",
                    "Check that nginx runs on the proxy and that ProxyNginxReloadCommand is right; then publish again.", target: proxy.ConfigPath);
            }
            if (!output.StdOut.Contains("ARENA-RELOADED"))
            {
                throw new ArenaException(ArenaErrorIds.ProxyCommandFailed, ErrorCategory.InvalidOperation,
                    $"Publishing on the proxy did not finish (exit code {output.ExitCode?.ToString() ?? "none"}): {said}",
                    "Publish again: nothing untested is taken for what nginx runs, so the next publish tests and reloads.", target: proxy.ConfigPath);
            }
            log.Verbose($"nginx accepts the new config and was reloaded: {said}");
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
