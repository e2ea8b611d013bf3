using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace ArenaInfra.Operations
{
    /// <summary>What Initialize-ArenaPod puts on a pod.</summary>
    internal sealed class PodSetupPlan
    {
        public byte[] GitKey { get; set; } = Array.Empty<byte>();
        /// <summary>Where the deploy key is read from on this machine; GitKey holds it once ReadGitKey has run.</summary>
        public string GitKeyPath { get; set; } = "";
        public string GitKeyRemotePath { get; set; } = "~/.ssh/id_ed25519";
        public string RepoName { get; set; } = "";
        public string RepoUrl { get; set; } = "";
        public string Branch { get; set; } = "main";
        public ISet<string> Skip { get; set; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        /// <summary>WORKSPACE_REPO: the course repo onto the pod's volume, when it has one.</summary>
        public bool WorkspaceRepo { get; set; }
        /// <summary>VSCODE_PREINSTALL's service (null when off): asked once a run for the server build every pod installs.</summary>
        public ArenaInfra.VsCode.VsCodeUpdateService? VsCode { get; set; }
        public string[] VsCodeExtensions { get; set; } = Array.Empty<string>();
        public string CondaEnvName { get; set; } = "arena-env";
        /// <summary>Where a verified repo move is recorded, for Stop-ArenaPod.</summary>
        public ArenaInfra.Workspace.WorkspaceRecords? Records { get; set; }

        public static readonly string[] Steps = { "CopyKey", "SshConfig", "Git", "Workspace", "Name", "VsCode" };

        /// <summary>
        /// The plan the config asks for: its repo, branch and key paths, less the skipped steps. Pure: the
        /// key itself is read by ReadGitKey, so a missing key is found before any pod is touched.
        /// </summary>
        public static PodSetupPlan From(ArenaConfig config, IEnumerable<string>? skip = null, string? gitKeyPath = null) => new PodSetupPlan
        {
            GitKeyPath = gitKeyPath ?? config.SharedKeyPath,
            GitKeyRemotePath = config.GitKeyRemotePath,
            RepoName = config.RepoName,
            RepoUrl = config.RepoUrl,
            Branch = config.DefaultBranch,
            Skip = new HashSet<string>(skip ?? Array.Empty<string>(), StringComparer.OrdinalIgnoreCase),
            WorkspaceRepo = config.WorkspaceRepo,
            VsCode = config.VsCodePreinstall ? new ArenaInfra.VsCode.VsCodeUpdateService(config.VsCodeUpdateUrl) : null,
            VsCodeExtensions = config.VsCodeExtensions,
            CondaEnvName = config.CondaEnvName,
            Records = ArenaInfra.Workspace.WorkspaceRecords.Open(),
        };

        /// <summary>
        /// Where the deploy key goes for this login: GIT_SSH_KEY_REMOTE as written, but a path in root's home
        /// (the default, as RunPod's pods log in as root) is the login's own home on a machine that does not
        /// (one made by hand, logged into as ubuntu), where root's home cannot be written.
        /// </summary>
        public static string KeyPathFor(string configured, string login) =>
            login != "root" && configured.StartsWith("/root/", StringComparison.Ordinal) ? "~/" + configured.Substring("/root/".Length) : configured;

        /// <summary>Whether a step runs: not in -Skip, and not turned off by the config (WORKSPACE_REPO, VSCODE_PREINSTALL).</summary>
        public bool Runs(string step) =>
            !Skip.Contains(step) && (step != "Workspace" || WorkspaceRepo) && (step != "VsCode" || VsCode != null);

        /// <summary>The steps that will run, for the confirmation: "CopyKey, SshConfig, Git, Workspace, Name, VsCode".</summary>
        public string StepsToRun => string.Join(", ", Steps.Where(Runs));

        /// <summary>The Git step resets course repos to origin, so what it would discard is worth saying first.</summary>
        public bool ResetsRepos => !Skip.Contains("Git");

        /// <summary>Reads the deploy key from GitKeyPath into GitKey (SshKeyNotFound when it is missing).</summary>
        public void ReadGitKey() => GitKey = ReadGitKey(GitKeyPath, Skip);

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

        public PodSetupOperation Operation(TimeSpan timeout) => new PodSetupOperation(this) { Timeout = timeout };

        /// <summary>The look at the course repos before a reset: a read, so a minute at most.</summary>
        public PodRepoStateOperation RepoStateCheck(TimeSpan timeout) =>
            new PodRepoStateOperation(RepoName, Branch) { Timeout = timeout < TimeSpan.FromSeconds(60) ? timeout : TimeSpan.FromSeconds(60) };

        /// <summary>For -WhatIf and the prompt: which pods' course repos hold work a reset to origin would discard, and what happens to it.</summary>
        public string ResetNotice(IEnumerable<ArenaPodRepoState> states)
        {
            var all = states.ToList();
            var kept = $"is committed to a branch arena-kept/<time> in its repo, and the branch named in the result, before the reset to origin/{Branch}";
            var dirty = all.Where(r => r.Succeeded && (r.ChangedFiles > 0 || r.LocalCommits > 0)).OrderBy(r => r.Name, StringComparer.Ordinal)
                .Select(r => $"{r.Name} ({(r.ChangedFiles > 0 ? $"{r.ChangedFiles} changed file(s)" : "")}{(r.ChangedFiles > 0 && r.LocalCommits > 0 ? ", " : "")}{(r.LocalCommits > 0 ? $"{r.LocalCommits} local commit(s)" : "")})").ToList();
            var unknown = all.Where(r => !r.Succeeded).Select(r => r.Name).OrderBy(n => n, StringComparer.Ordinal).ToList();
            return (dirty.Count == 0 ? $". No course repo holds uncommitted work" : $". Uncommitted work on {string.Join(", ", dirty)} {kept}")
                + (unknown.Count == 0 ? "" : $"; {string.Join(", ", unknown)} could not be checked (any work there is kept the same way)");
        }
    }
}
