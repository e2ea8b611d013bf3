using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using ArenaInfra.Operations;

namespace ArenaInfra.VsCode
{
    /// <summary>
    /// Initialize-ArenaPod's VsCode step on one pod: the server build downloaded by the pod itself (as
    /// Remote-SSH has it do), its SHA-256 checked against the update service's before anything is
    /// unpacked, the build put where Remote-SSH looks for it, the extensions installed with the server's
    /// own CLI, and the course env's python made the default interpreter.
    /// Where Remote-SSH looks: its exec server (VS Code 1.86 and later) starts
    /// ~/.vscode-server/cli/servers/Stable-&lt;commit&gt;/server/bin/code-server when it is there
    /// (its log: "Checking ~/.vscode-server/cli/servers/Stable-&lt;commit&gt;/log.txt ... for a running server",
    /// microsoft/vscode-remote-release#9454, b01/dl-vscode-server#14); older versions use
    /// ~/.vscode-server/bin/&lt;commit&gt;, which gets a link to the same folder. Extensions go to
    /// ~/.vscode-server/extensions and machine settings to ~/.vscode-server/data/Machine/settings.json,
    /// the server's defaults.
    /// </summary>
    internal static class VsCodeServerInstall
    {
        private static readonly Regex ExtensionId = new Regex("^[A-Za-z0-9][A-Za-z0-9-]{0,99}\\.[A-Za-z0-9][A-Za-z0-9.-]{0,99}$", RegexOptions.CultureInvariant);

        public static bool IsExtensionId(string id) => ExtensionId.IsMatch(id);

        public static string Script(VsCodeServerBuild build, IEnumerable<string> extensions, string condaEnv)
        {
            var q = (Func<string, string>)PodCheck.ShellQuote;
            var ids = string.Join(" ", extensions.Where(IsExtensionId).Select(q));
            return string.Join("\n",
                "say() { printf 'ARENA-VSC %s\\n' \"$*\"; }",
                $"commit={q(build.Commit)}; sha={q(build.Sha256)}; url={q(build.Url)}",
                "root=\"$HOME/.vscode-server\"; dir=\"$root/cli/servers/Stable-$commit\"; server=\"$dir/server\"; cs=\"$server/bin/code-server\"",
                "if [ -x \"$cs\" ] && [ ! -L \"$server\" ]; then say present; else",
                "  command -v curl >/dev/null 2>&1 || { say fail no-curl; exit 0; }",
                "  tmp=$(mktemp -d) || { say fail no-temp; exit 0; }",
                "  trap 'rm -rf -- \"$tmp\"' EXIT",
                // Bounded: ten minutes, 500 MB (a server build is about 60 MB), https only after a redirect.
                "  curl -fsSL --proto '=https,http' --proto-redir '=https' --max-redirs 5 --connect-timeout 20 --max-time 600 --max-filesize 524288000 -o \"$tmp/server.tar.gz\" \"$url\" || { say fail download; exit 0; }",
                "  got=$(sha256sum \"$tmp/server.tar.gz\" | cut -d ' ' -f 1)",
                "  [ \"$got\" = \"$sha\" ] || { say mismatch \"$got\"; exit 0; }",
                "  mkdir -p \"$tmp/server\" && tar -xzf \"$tmp/server.tar.gz\" -C \"$tmp/server\" --strip-components 1 --no-same-owner 2>/dev/null || { say fail unpack; exit 0; }",
                "  [ -x \"$tmp/server/bin/code-server\" ] || { say fail no-code-server; exit 0; }",
                "  mkdir -p \"$dir\" && rm -rf -- \"$server\" && mv -T -- \"$tmp/server\" \"$server\" || { say fail unpack; exit 0; }",
                "  mkdir -p \"$root/bin\" && { [ -e \"$root/bin/$commit\" ] || [ -L \"$root/bin/$commit\" ] || ln -s -- \"$server\" \"$root/bin/$commit\"; }",
                "  say installed",
                "fi",
                "have=$(\"$cs\" --list-extensions 2>/dev/null | tr 'A-Z' 'a-z')",
                $"for ext in {ids}; do",
                "  lower=$(printf '%s' \"$ext\" | tr 'A-Z' 'a-z')",
                "  printf '%s\\n' \"$have\" | grep -qxF -- \"$lower\" && continue",
                "  if \"$cs\" --install-extension \"$ext\" >/dev/null 2>&1; then say extension \"$ext\"; else say extension-failed \"$ext\"; fi",
                "done",
                $"py=$(conda run -n {q(condaEnv)} python -c 'import sys; print(sys.executable)' 2>/dev/null | tail -n 1)",
                "[ -n \"$py\" ] && [ -x \"$py\" ] || { say fail interpreter; exit 0; }",
                "m=\"$root/data/Machine\"; mkdir -p \"$m\"",
                "\"$py\" - \"$m/settings.json\" \"$py\" <<'ARENA_PY' && say interpreter || say fail settings",
                "import json, os, sys",
                "path, py = sys.argv[1], sys.argv[2]",
                "data = {}",
                "if os.path.islink(path): sys.exit(1)",
                "if os.path.exists(path):",
                "    with open(path) as f: data = json.load(f)",
                "    if not isinstance(data, dict): sys.exit(1)",
                "data['python.defaultInterpreterPath'] = py",
                "with open(path + '.arena-tmp', 'w') as f: json.dump(data, f, indent=2)",
                "os.replace(path + '.arena-tmp', path)",
                "ARENA_PY");
        }

        /// <summary>What the run did, as warnings (none: all done) and whether the server was there or put there.</summary>
        public static (bool ServerReady, IReadOnlyList<string> Warnings) Read(string stdout, VsCodeServerBuild build, string condaEnv)
        {
            var warnings = new List<string>();
            var ready = false;
            foreach (var raw in stdout.Split('\n'))
            {
                var line = raw.Trim();
                if (!line.StartsWith("ARENA-VSC ", StringComparison.Ordinal) || line.Length > 400) continue;
                var parts = line.Substring("ARENA-VSC ".Length).Split(new[] { ' ' }, 2);
                var arg = parts.Length > 1 ? parts[1] : "";
                switch (parts[0])
                {
                    case "present":
                    case "installed":
                        ready = true;
                        break;
                    case "mismatch":
                        var got = Regex.IsMatch(arg, "^[0-9a-f]{64}$") ? arg : "(none)";
                        warnings.Add($"the downloaded VS Code server {build.Commit} has SHA-256 {got}, not the update service's {build.Sha256}: refused, nothing installed");
                        break;
                    case "extension-failed":
                        if (IsExtensionId(arg)) warnings.Add($"the extension {arg} could not be installed");
                        break;
                    case "fail":
                        warnings.Add(arg switch
                        {
                            "no-curl" => "the pod has no curl to download the VS Code server with",
                            "no-temp" => "the pod could not make a temporary folder",
                            "download" => $"the pod could not download the VS Code server {build.Commit}",
                            "unpack" => $"the VS Code server {build.Commit} could not be unpacked",
                            "no-code-server" => $"the VS Code server {build.Commit} holds no bin/code-server: nothing installed",
                            "interpreter" => $"the course env {condaEnv} has no python to make the default interpreter",
                            "settings" => "the machine settings (~/.vscode-server/data/Machine/settings.json) could not be written (a link, or not plain JSON): the default interpreter is not set",
                            _ => "the VS Code step failed",
                        });
                        break;
                }
            }
            return (ready, warnings);
        }
    }
}
