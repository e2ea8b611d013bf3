using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ArenaInfra.Ssh;

namespace ArenaInfra.Operations
{
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
            var key = pod.Expand(PodSetupPlan.KeyPathFor(plan.GitKeyRemotePath, pod.Target.User));
            var q = (Func<string, string>)PodCheck.ShellQuote;
            bool Ran(string step, Func<bool> action)
            {
                if (!plan.Runs(step)) return true;
                if (!action()) return false;
                if (step == "Workspace" && result.RepoPath == null) return true;
                if (step == "VsCode" && result.Warnings.Length > 0) return true;
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
                && Ran("Git", () => Git(pod, result))
                && Ran("Workspace", () => Workspace(pod, result))
                && Ran("Name", () => pod.Step("Name", $"printf 'MACHINE_NAME=%s\\n' {q(machineName)} > \"$HOME/.name\""))
                && Ran("VsCode", () => VsCode(pod, result));
        }

        /// <summary>
        /// The course repo onto the volume (Workspace/RepoOnVolume); a pod without a volume keeps it in
        /// the home, and says so. Only a move the pod proved (the link and the volume copy checked) is
        /// recorded for Stop-ArenaPod; anything else forgets the pod's record.
        /// </summary>
        private bool Workspace(PodSession pod, ArenaPodSetupResult result)
        {
            var plan = _plan;
            var volume = ArenaInfra.Workspace.RepoOnVolume.VolumePath(pod.Pod);
            if (volume == null || !ArenaInfra.Workspace.RepoOnVolume.IsSafeRepoName(plan.RepoName))
            {
                Forget(pod);
                pod.Log.Verbose(pod.Pod.HasVolume
                    ? $"{pod.Pod.Name}: its volume's mount path or the repo's name is not one to move to; the course repo stays in the home, which a stop erases."
                    : $"{pod.Pod.Name}: no volume, so the course repo stays in the home, which a stop erases.");
                return true;
            }
            var output = pod.Shell(ArenaInfra.Workspace.RepoOnVolume.Script(volume, plan.RepoName));
            var (verified, kept, refused, action) = ArenaInfra.Workspace.RepoOnVolume.Read(output.StdOut);
            if (ArenaInfra.Workspace.RepoOnVolume.IsPlainPath(kept) && System.Text.RegularExpressions.Regex.IsMatch(kept!, "/" + System.Text.RegularExpressions.Regex.Escape(plan.RepoName) + "\\.kept-[0-9]{8}-[0-9]{6}$"))
            {
                result.KeptCheckout = kept;
                pod.Log.Warning($"{pod.Pod.Name}: the home's checkout of {plan.RepoName} held work of its own; it is kept whole at {kept} on the volume, and the volume's copy is the course repo.");
            }
            if (output.ExitCode != 0 || output.TimedOut || !ArenaInfra.Workspace.RepoOnVolume.IsPlainPath(verified) || !verified!.EndsWith("/" + plan.RepoName, StringComparison.Ordinal))
            {
                Forget(pod);
                return refused != null
                    ? pod.Fail("Workspace", ArenaInfra.Workspace.RepoOnVolume.Refusal(refused, volume, plan.RepoName))
                    : pod.Check("Workspace", output) && pod.Fail("Workspace", "the course repo could not be seen on the volume after the move");
            }
            result.RepoPath = verified;
            pod.Log.Verbose($"{pod.Pod.Name}: the course repo is on the volume at {verified} ({action ?? "checked"}), linked from ~/{plan.RepoName}.");
            try
            {
                plan.Records?.Record(new ArenaInfra.Workspace.WorkspaceRecord { PodId = pod.Pod.Id, Name = pod.Pod.Name, RepoPath = verified!, VerifiedAt = DateTimeOffset.UtcNow, PodStartedAt = ArenaInfra.Workspace.WorkspaceRecords.StartOf(pod.Pod) });
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                pod.Log.Warning($"{pod.Pod.Name}: the repo's place on the volume could not be recorded ({e.Message}); Stop-ArenaPod will ask for -AllowDataLoss.");
            }
            return true;
        }

        /// <summary>The pod's repo is not known to be on its volume (any more): its record goes, or a warning says it could not.</summary>
        private void Forget(PodSession pod)
        {
            try
            {
                _plan.Records?.Forget(pod.Pod.Id);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                pod.Log.Warning($"{pod.Pod.Name}: its earlier record of the repo on the volume could not be removed ({e.Message}); it counts only until the pod starts again.");
            }
        }

        /// <summary>Best-effort: the VS Code server and extensions, or warnings on the result; never a failed set-up.</summary>
        private bool VsCode(PodSession pod, ArenaPodSetupResult result)
        {
            var plan = _plan;
            var service = plan.VsCode!;
            var warnings = new List<string>();
            try
            {
                var machine = pod.Shell("uname -m");
                var platform = machine.ExitCode == 0 ? ArenaInfra.VsCode.VsCodeServerBuild.Platform(machine.StdOut) : null;
                if (platform == null)
                {
                    warnings.Add("VS Code builds no server for this pod's machine type");
                }
                else
                {
                    var (build, problem) = service.Latest(platform, pod.Cancellation);
                    if (build == null)
                    {
                        warnings.Add($"VS Code's update service gave no build to install: {problem}");
                    }
                    else
                    {
                        var output = pod.Shell(ArenaInfra.VsCode.VsCodeServerInstall.Script(build, plan.VsCodeExtensions, plan.CondaEnvName));
                        var (ready, found) = ArenaInfra.VsCode.VsCodeServerInstall.Read(output.StdOut, build, plan.CondaEnvName);
                        warnings.AddRange(found);
                        if (ready) result.VsCodeServer = build.Commit;
                        if (output.TimedOut) warnings.Add($"the VS Code step did not finish within {pod.Timeout.TotalSeconds:0} s");
                        else if (!ready && found.Count == 0) warnings.Add("the VS Code server could not be installed");
                    }
                }
            }
            catch (SshStageException e)
            {
                warnings.Add(e.Message);
            }
            if (warnings.Count > 0)
            {
                result.Warnings = warnings.Select(w => "VsCode: " + w).ToArray();
                foreach (var warning in result.Warnings) pod.Log.Warning($"{pod.Pod.Name}: {warning} (the set-up goes on; participants' first connection installs what is missing).");
            }
            return true;
        }

        /// <summary>
        /// The course repo, cloned or brought to origin's branch. A repo that is there already is reset to
        /// origin, which would discard the participant's work: Branches/KeptWork keeps it first, and the
        /// result names the kept branches.
        /// </summary>
        private bool Git(PodSession pod, ArenaPodSetupResult result)
        {
            var plan = _plan;
            var q = (Func<string, string>)PodCheck.ShellQuote;
            var output = pod.Shell(string.Join("\n",
                "set -e",
                "export GIT_TERMINAL_PROMPT=0",
                $"repo=\"$HOME\"/{q(plan.RepoName)}",
                $"if [ ! -d \"$repo/.git\" ]; then git clone -q {q(plan.RepoUrl)} \"$repo\"; fi",
                "cd \"$repo\"",
                $"git remote set-url origin {q(plan.RepoUrl)}",
                "git fetch -q origin",
                ArenaInfra.Branches.KeptWork.KeepThenReset(plan.Branch, "Initialize-ArenaPod", failExit: 1),
                "git submodule update -q --init --recursive"));
            result.KeptBranches = ArenaInfra.Branches.KeptWork.Read(output.StdOut);
            if (result.KeptBranches.Length > 0) pod.Log.Verbose($"{pod.Pod.Name}: the participant's work is kept on {string.Join(", ", result.KeptBranches)} before the reset to origin/{plan.Branch}.");
            return pod.Check("Git", output);
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
