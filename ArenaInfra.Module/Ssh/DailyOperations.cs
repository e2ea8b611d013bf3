using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Renci.SshNet;
using Renci.SshNet.Sftp;

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
    }

    /// <summary>setup_em and names, for one pod. Every step can run again: nothing is appended twice.</summary>
    internal static class PodSetup
    {
        private const string BlockStart = "# >>> ArenaInfra: github.com >>>";
        private const string BlockEnd = "# <<< ArenaInfra: github.com <<<";

        public static bool Run(PodSession pod, PodSetupPlan plan, string machineName, ArenaPodSetupResult result)
        {
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

    /// <summary>copy_api_keys, made idempotent: exactly one export line a variable in ~/.bashrc and ~/.zshrc.</summary>
    internal static class PodSecrets
    {
        /// <summary>Sets each variable; the value travels on standard input, so no process list or log ever shows it.</summary>
        public static bool Set(PodSession pod, IReadOnlyList<(string Name, string Value)> variables, ArenaPodSecretResult result)
        {
            var set = new List<string>();
            foreach (var (name, value) in variables)
            {
                var script = string.Join("\n",
                    "set -e",
                    "IFS= read -r value || [ -n \"$value\" ]",
                    "quoted=$(printf '%s' \"$value\" | sed \"s/'/'\\\\\\\\''/g\")",
                    "for f in \"$HOME/.bashrc\" \"$HOME/.zshrc\"; do",
                    "  touch \"$f\"",
                    $"  grep -v '^export {name}=' \"$f\" > \"$f.arena-tmp\" || true",
                    $"  printf \"export {name}='%s'\\n\" \"$quoted\" >> \"$f.arena-tmp\"",
                    "  chmod 600 \"$f.arena-tmp\" && mv -f \"$f.arena-tmp\" \"$f\"",
                    "done");
                if (!pod.Step("SetVariable", script, new UTF8Encoding(false).GetBytes(value + "\n")))
                {
                    result.Error = $"{name}: {result.Error}";
                    return false;
                }
                set.Add(name);
                result.Variables = set.ToArray();
            }
            return true;
        }
    }

    /// <summary>sync_git: commit everything and push it to a branch of its own for the day.</summary>
    internal static class PodWorkSaver
    {
        public static bool Save(PodSession pod, string repoName, string branch, string label, string machineName, ArenaPodSaveResult result)
        {
            var q = (Func<string, string>)PodCheck.ShellQuote;
            result.Branch = branch;
            var output = pod.Shell(string.Join("\n",
                "export GIT_TERMINAL_PROMPT=0",
                $"cd \"$HOME\"/{q(repoName)} 2>/dev/null || {{ echo \"no repository at ~/{repoName}\" >&2; exit 10; }}",
                "git add -A || exit 11",
                "if git diff --cached --quiet; then echo ARENA-NOTHING; exit 0; fi",
                "ident=''",
                "if [ -z \"$(git config user.email)\" ]; then ident='-c user.name=ARENA-autocommit -c user.email=autocommit@arena.invalid'; fi",
                $"git $ident commit -q -m {q($"Autocommit {label} ({machineName})")} || exit 12",
                $"git push -q origin {q("HEAD:refs/heads/" + branch)} || exit 13",
                "git rev-parse HEAD"));
            if (output.ExitCode == 0 && output.StdOut.Contains("ARENA-NOTHING"))
            {
                result.Status = ArenaSaveStatus.NothingToCommit;
                return true;
            }
            if (output.ExitCode == 0)
            {
                result.Status = ArenaSaveStatus.Pushed;
                result.Commit = output.StdOut.Trim().Split('\n').Last().Trim();
                return true;
            }
            result.Status = ArenaSaveStatus.Failed;
            var step = output.ExitCode switch { 10 => "Repository", 11 => "Add", 12 => "Commit", 13 => "Push", _ => "Git" };
            return pod.Check(step, output);
        }
    }

    /// <summary>backup: the pod's home over SFTP, incremental, never a partial file under a complete name.</summary>
    internal static class PodBackup
    {
        public static bool Download(PodSession pod, string destination, long maxFileBytes, ArenaPodBackupResult result)
        {
            result.Destination = destination;
            var skipped = new List<string>();
            SftpClient sftp;
            try
            {
                sftp = pod.Connection.OpenSftp(pod.Cancellation);
            }
            catch (SshStageException e)
            {
                return pod.Fail("Sftp", e.Message);
            }
            using (sftp)
            {
                try
                {
                    Directory.CreateDirectory(destination);
                    Walk(sftp, pod, pod.Home.TrimEnd('/'), "", destination, maxFileBytes, result, skipped);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is Renci.SshNet.Common.SshException)
                {
                    result.SkippedFiles = skipped.ToArray();
                    return pod.Fail("Download", e.Message);
                }
            }
            result.SkippedFiles = skipped.ToArray();
            return true;
        }

        private static void Walk(SftpClient sftp, PodSession pod, string remoteDir, string relative, string localRoot, long maxFileBytes, ArenaPodBackupResult result, List<string> skipped)
        {
            foreach (var entry in sftp.ListDirectory(remoteDir).OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                pod.Cancellation.ThrowIfCancellationRequested();
                if (entry.Name == "." || entry.Name == "..") continue;
                var path = relative.Length == 0 ? entry.Name : relative + "/" + entry.Name;
                if (entry.IsDirectory)
                {
                    if (entry.Name.StartsWith(".", StringComparison.Ordinal) || entry.Name == "site-packages") continue;
                    Walk(sftp, pod, entry.FullName, path, localRoot, maxFileBytes, result, skipped);
                    continue;
                }
                if (!entry.IsRegularFile) continue;
                if (entry.Length > maxFileBytes)
                {
                    skipped.Add(path);
                    continue;
                }
                var local = Path.Combine(localRoot, path.Replace('/', Path.DirectorySeparatorChar));
                var remoteTime = entry.LastWriteTimeUtc;
                result.Files++;
                result.Bytes += entry.Length;
                if (File.Exists(local) && new FileInfo(local).Length == entry.Length && Math.Abs((File.GetLastWriteTimeUtc(local) - remoteTime).TotalSeconds) < 1)
                {
                    result.Unchanged++;
                    continue;
                }
                Directory.CreateDirectory(Path.GetDirectoryName(local)!);
                var partial = local + ".arena-partial";
                using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None))
                {
                    sftp.DownloadFile(entry.FullName, file);
                }
                File.SetLastWriteTimeUtc(partial, remoteTime);
                if (File.Exists(local)) File.Delete(local);
                File.Move(partial, local);
                result.Downloaded++;
            }
        }
    }

    /// <summary>gpu-top's query and its parsing.</summary>
    internal static class GpuQuery
    {
        public const string Command = "nvidia-smi --query-gpu=index,name,memory.used,memory.total,utilization.gpu --format=csv,noheader,nounits";

        public static List<ArenaGpuStatus> Parse(string output, ArenaPod pod)
        {
            var statuses = new List<ArenaGpuStatus>();
            foreach (var line in output.Replace("\r", "").Split('\n').Where(l => l.Trim().Length > 0))
            {
                var fields = line.Split(',').Select(f => f.Trim()).ToArray();
                if (fields.Length < 5) continue;
                statuses.Add(new ArenaGpuStatus
                {
                    Name = pod.Name,
                    MachineName = pod.MachineName,
                    Index = Int(fields[0]),
                    FullModel = fields[1],
                    Model = ShortModel(fields[1]),
                    MemoryUsedGB = Gigabytes(fields[2]),
                    MemoryTotalGB = Gigabytes(fields[3]),
                    UtilizationPercent = Int(fields[4]),
                });
            }
            return statuses;
        }

        /// <summary>"NVIDIA RTX A4000" -> A4000, "NVIDIA A100-SXM4-80GB" -> A100-80GB, "NVIDIA GeForce RTX 4090" -> RTX4090.</summary>
        public static string ShortModel(string name)
        {
            var words = name.Split(new[] { ' ', '-' }, StringSplitOptions.RemoveEmptyEntries)
                .Where(w => w != "NVIDIA" && w != "GeForce" && w != "Tesla")
                .ToList();
            if (words.Count == 0) return name;
            string model;
            if (words[0] == "RTX" && words.Count > 1 && char.IsDigit(words[1][0])) model = "RTX" + words[1];
            else if (words[0] == "RTX" && words.Count > 1) model = words[1];
            else model = words[0];
            var memory = words.FirstOrDefault(w => System.Text.RegularExpressions.Regex.IsMatch(w, "^\\d+GB$"));
            return memory == null ? model : model + "-" + memory;
        }

        private static int? Int(string text) => int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : (int?)null;

        private static double? Gigabytes(string mebibytes) =>
            double.TryParse(mebibytes, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var m) ? Math.Round(m / 1024, 1) : (double?)null;
    }
}
