using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace ArenaInfra.Ssh
{
    /// <summary>What Initialize-ArenaPod puts on a pod.</summary>
    internal sealed class PodSetupPlan
    {
        public byte[] GitKey { get; set; } = Array.Empty<byte>();
        public string GitKeyRemotePath { get; set; } = "~/.ssh/id_ed25519";
        public string RepoName { get; set; } = "";
        public string RepoUrl { get; set; } = "";
        public string Branch { get; set; } = "main";
        public ISet<string> Skip { get; set; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        public static readonly string[] Steps = { "CopyKey", "SshConfig", "Git", "Name" };

        /// <summary>The steps that will run, for the confirmation: "CopyKey, SshConfig, Git, Name".</summary>
        public string StepsToRun => string.Join(", ", Steps.Where(s => !Skip.Contains(s)));

        /// <summary>Reads the deploy key unless its step is skipped; a missing key is SshKeyNotFound before any pod is touched.</summary>
        public static byte[] ReadGitKey(string path, ISet<string> skip)
        {
            if (skip.Contains("CopyKey")) return Array.Empty<byte>();
            if (!File.Exists(path))
            {
                throw new ArenaException(ArenaErrorIds.SshKeyNotFound, System.Management.Automation.ErrorCategory.ObjectNotFound,
                    $"The git deploy key '{path}' does not exist.", "Give it with -GitKeyPath, or add -Skip CopyKey.", target: path);
            }
            return File.ReadAllBytes(path);
        }
    }

    /// <summary>setup_em and names, for one pod. Every step can run again: nothing is appended twice.</summary>
    internal sealed class PodSetupOperation : PodOperation<ArenaPodSetupResult>
    {
        private readonly PodSetupPlan _plan;

        public PodSetupOperation(PodSetupPlan plan) => _plan = plan;

        public override string Activity => "Setting up pods";

        private const string BlockStart = "# >>> ArenaInfra: github.com >>>";
        private const string BlockEnd = "# <<< ArenaInfra: github.com <<<";

        protected override bool Work(PodSession pod, ArenaPodSetupResult result)
        {
            var plan = _plan;
            var machineName = pod.Pod.MachineName ?? pod.Pod.Name;
            var done = new List<string>();
            result.Skipped = PodSetupPlan.Steps.Where(plan.Skip.Contains).ToArray();
            var key = pod.Expand(plan.GitKeyRemotePath);
            var q = (Func<string, string>)PodCheck.ShellQuote;
            bool Ran(string step, Func<bool> action)
            {
                if (plan.Skip.Contains(step)) return true;
                if (!action()) return false;
                done.Add(step);
                result.Done = done.ToArray();
                return true;
            }

            return Ran("CopyKey", () =>
                    pod.Step("CopyKey", $"mkdir -p -- \"$(dirname -- {q(key)})\" && chmod 700 -- \"$(dirname -- {q(key)})\"")
                    && Upload(pod, plan.GitKey, key)
                    && pod.Step("CopyKey", $"chmod 600 -- {q(key)}"))
                && Ran("SshConfig", () => pod.Step("SshConfig", string.Join("\n",
                    "set -e",
                    "f=\"$HOME/.ssh/config\"",
                    "mkdir -p \"$HOME/.ssh\" && chmod 700 \"$HOME/.ssh\" && touch \"$f\"",
                    $"awk -v s={q(BlockStart)} -v e={q(BlockEnd)} '$0 == s {{ skip = 1; next }} $0 == e {{ skip = 0; next }} !skip {{ print }}' \"$f\" > \"$f.arena-tmp\"",
                    $"printf '%s\\n' {q(BlockStart)} 'Host github.com' '    HostName github.com' '    User git' {q("    IdentityFile " + key)} '    IdentitiesOnly yes' '    StrictHostKeyChecking accept-new' {q(BlockEnd)} >> \"$f.arena-tmp\"",
                    "chmod 600 \"$f.arena-tmp\" && mv -f \"$f.arena-tmp\" \"$f\"")))
                && Ran("Git", () => pod.Step("Git", string.Join("\n",
                    "set -e",
                    "export GIT_TERMINAL_PROMPT=0",
                    $"repo=\"$HOME\"/{q(plan.RepoName)}",
                    $"if [ ! -d \"$repo/.git\" ]; then git clone -q {q(plan.RepoUrl)} \"$repo\"; fi",
                    "cd \"$repo\"",
                    $"git remote set-url origin {q(plan.RepoUrl)}",
                    "git fetch -q origin",
                    $"git checkout -q {q(plan.Branch)} 2>/dev/null || git checkout -q -b {q(plan.Branch)} {q("origin/" + plan.Branch)}",
                    $"git reset -q --hard {q("origin/" + plan.Branch)}",
                    "git submodule update -q --init --recursive")))
                && Ran("Name", () => pod.Step("Name", $"printf 'MACHINE_NAME=%s\\n' {q(machineName)} > \"$HOME/.name\""));
        }

        private static bool Upload(PodSession pod, byte[] content, string path)
        {
            try
            {
                using var stream = new MemoryStream(content);
                pod.Connection.Upload(stream, path, 600, pod.Cancellation);
                return true;
            }
            catch (SshStageException e)
            {
                return pod.Fail("CopyKey", e.Message);
            }
        }
    }

}
