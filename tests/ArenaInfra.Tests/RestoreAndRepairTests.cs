using System.Diagnostics;
using System.Management.Automation;
using System.Security;
using System.Security.Cryptography;
using ArenaInfra.Common;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// Restore-ArenaPod and Repair-ArenaPod against real sshd pods: a backup comes back into a
/// replacement pod as the same tree, a second run sends nothing, newer work on the pod is kept, a
/// hostile backup folder or a link on the pod writes nothing outside the home, the autocommit branch
/// comes back into the repo; a dead pod is replaced in one command, and a replacement that stopped
/// half way is carried on by the next run.
/// </summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
[Trait(TestShard.Trait, TestShard.Second)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RestoreAndRepairTests : IClassFixture<SshSandbox>, IDisposable
{
    private readonly SshSandbox _ssh;
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars = new();
    private readonly string _origin;

    public RestoreAndRepairTests(SshSandbox ssh)
    {
        _ssh = ssh;
        _origin = Path.Combine(_dir.Path, "origin.git");
        if (ssh.SkipReason != null) return;
        ssh.Sandbox!.Reset();
        var key = Path.Combine(_dir.Path, "shared");
        SshCamp.CopyKey(key);
        GitRepo.MakeOrigin(_origin, Path.Combine(_dir.Path, "seed"));
        _vars["key"] = CampFleet.Secure(Sandbox.ApiKey);
        _vars["cfg"] = SshCamp.Config(_dir, ssh.Sandbox, key, SshCamp.CourseRepo(_origin));
        _vars["backups"] = Path.Combine(_dir.Path, "backup");
    }

    public void Dispose()
    {
        _host.Dispose();
        _dir.Dispose();
    }

    private HostResult Run(string script) =>
        _host.Run("$config = Import-ArenaConfig $cfg -NoDefault\n$PSDefaultParameterValues = @{ '*-Arena*:Config' = $config; '*-Arena*:ApiKey' = $key }\n" + script, _vars);

    private ArenaPodRestoreResult Restore(string arguments) =>
        Run("Restore-ArenaPod " + arguments + " -Source $backups -Confirm:$false").Output.OfType<ArenaPodRestoreResult>().Single();

    private string PodId(string name) => Run($"(Get-ArenaPod -Name {name}).Id").Output.Cast<string>().Single();
    private string Home(string name) => _ssh.Sandbox!.PodHome(PodId(name));

    /// <summary>The pod terminated and a new one created under its name: a new id, an empty home.</summary>
    private void Replace(string name)
    {
        var old = PodId(name);
        Run($"Remove-ArenaPod -Name {name} -Force | Out-Null; New-ArenaPod -Count 1 -Force | Out-Null; Get-ArenaPod -Name {name} | Wait-ArenaPod -TimeoutSec 120 | Out-Null");
        Assert.NotEqual(old, PodId(name));
    }

    private static string Git(string cwd, params string[] args) => GitRepo.Git(cwd, args);

    private static void Write(string path, string text, DateTime? time = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        if (time != null) File.SetLastWriteTimeUtc(path, time.Value);
    }

    /// <summary>Every folder and file a backup keeps (not hidden folders, not site-packages): path, mode, and for a file size, time to 100 ns and content.</summary>
    private static SortedDictionary<string, string> Tree(string root)
    {
        var tree = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var pending = new Queue<string>();
        pending.Enqueue(root);
        while (pending.Count > 0)
        {
            foreach (var entry in new DirectoryInfo(pending.Dequeue()).EnumerateFileSystemInfos())
            {
                var relative = Path.GetRelativePath(root, entry.FullName);
                var mode = Convert.ToString((int)entry.UnixFileMode & 0xFFF, 8);
                if (entry is DirectoryInfo)
                {
                    if (entry.Name.StartsWith('.') || entry.Name == "site-packages") continue;
                    tree[relative] = $"folder {mode} {entry.LastWriteTimeUtc.Ticks}";
                    pending.Enqueue(entry.FullName);
                }
                else if (entry is FileInfo file && file.LinkTarget == null)
                {
                    tree[relative] = $"file {mode} {file.Length} {file.LastWriteTimeUtc.Ticks} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file.FullName)))}";
                }
            }
        }
        return tree;
    }

    [SkippableFact]
    public void A_backup_comes_back_into_a_replacement_pod_as_the_same_tree_and_a_second_run_sends_nothing()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        var home = Home("alpha");
        var old = new DateTime(2026, 5, 6, 7, 8, 9, DateTimeKind.Utc).AddTicks(4567891);
        Write(Path.Combine(home, "notes.md"), "notes", old);
        Write(Path.Combine(home, "Übung 1", "naïve résumé.py"), "print('é')");
        Write(Path.Combine(home, new string('l', 120) + ".txt"), "a long name");
        Write(Path.Combine(home, ".bashrc"), "export X=1");
        Directory.CreateDirectory(Path.Combine(home, "empty"));
        var deep = home;
        for (var i = 0; i < 12; i++) deep = Path.Combine(deep, "d" + i);
        Write(Path.Combine(deep, "bottom.txt"), "deep");
        File.WriteAllBytes(Path.Combine(home, "data.bin"), RandomNumberGenerator.GetBytes(300_000));
        var script = Path.Combine(home, "run.sh");
        Write(script, "#!/bin/sh\necho hi\n");
        File.SetUnixFileMode(script, (UnixFileMode)Convert.ToInt32("750", 8));
        var secret = Path.Combine(home, "keys.env");
        Write(secret, "OPENAI_API_KEY=sk-x");
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.SetUnixFileMode(Path.Combine(home, "Übung 1"), (UnixFileMode)Convert.ToInt32("755", 8));
        foreach (var folder in Directory.GetDirectories(home, "*", SearchOption.AllDirectories)) Directory.SetLastWriteTimeUtc(folder, old.AddDays(-1));
        var before = Tree(home);
        var backup = Run("Backup-ArenaPod -Name alpha -Label w1 -Destination $backups").Output.OfType<ArenaPodBackupResult>().Single();
        Assert.True(backup.Succeeded, backup.Error);

        Replace("alpha");
        var first = Restore("-Name alpha");
        var second = Restore("-Name alpha");

        Assert.True(first.Succeeded, first.Error);
        Assert.Equal("w1", first.Label);
        Assert.Equal(before, Tree(Home("alpha")));
        Assert.Equal(backup.Files, first.Files);
        Assert.Empty(first.Skipped);
        Assert.True(second.Succeeded, second.Error);
        Assert.Equal(0, second.Files);
        Assert.Equal(backup.Files, second.Unchanged);
    }

    [SkippableFact]
    public void Work_newer_on_the_pod_is_kept_with_Force_and_overwritten_only_with_OverwriteNewer_and_the_newest_finished_backup_is_the_default()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        var home = Home("alpha");
        Write(Path.Combine(home, "essay.md"), "monday", new DateTime(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc));
        Run("Backup-ArenaPod -Name alpha -Label monday -Destination $backups | Out-Null");
        Write(Path.Combine(home, "essay.md"), "tuesday", new DateTime(2026, 6, 2, 0, 0, 0, DateTimeKind.Utc));
        Run("Backup-ArenaPod -Name alpha -Label tuesday -Destination $backups | Out-Null");
        Write(Path.Combine(home, "essay.md"), "wednesday, not backed up yet");

        var kept = Restore("-Name alpha");
        var keptText = File.ReadAllText(Path.Combine(home, "essay.md"));
        // -Force only answers the confirmation: the newer work stays.
        var forced = Restore("-Name alpha -Label monday -Force");
        var forcedText = File.ReadAllText(Path.Combine(home, "essay.md"));
        var overwritten = Restore("-Name alpha -Label monday -OverwriteNewer");

        Assert.Equal("tuesday", kept.Label);
        Assert.Equal(0, kept.Files);
        Assert.Contains(kept.Skipped, s => s.Path == "essay.md" && s.Reason.Contains("newer on the pod") && s.Reason.Contains("-OverwriteNewer"));
        Assert.Equal("wednesday, not backed up yet", keptText);
        Assert.Equal(0, forced.Files);
        Assert.Contains(forced.Skipped, s => s.Path == "essay.md" && s.Reason.Contains("newer on the pod"));
        Assert.Equal("wednesday, not backed up yet", forcedText);
        Assert.Equal(1, overwritten.Files);
        Assert.Equal("monday", File.ReadAllText(Path.Combine(home, "essay.md")));
    }

    [SkippableFact]
    public void A_hostile_backup_folder_or_a_link_on_the_pod_writes_nothing_outside_the_home()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        var home = Home("alpha");
        var outside = Path.Combine(_dir.Path, "outside");
        Directory.CreateDirectory(outside);
        // The backup folder as someone with access to the organiser's disk might leave it.
        var folder = Path.Combine(_dir.Path, "backup", "w1", "camp-alpha");
        Write(Path.Combine(folder, "good.txt"), "good");
        Write(Path.Combine(folder, "course", "solution.py"), "would land wherever course points");
        Write(Path.Combine(folder, "bad\nname.txt"), "a name with a newline");
        File.CreateSymbolicLink(Path.Combine(folder, "etc-link"), "/etc");
        File.CreateSymbolicLink(Path.Combine(folder, "passwd.txt"), "/etc/passwd");
        // And on the pod, a link where the backup has a folder.
        File.CreateSymbolicLink(Path.Combine(home, "course"), outside);

        // Asked for by label: a folder without a record of a finished backup is no candidate otherwise.
        var result = Restore("-Name alpha -Label w1 -Force");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("good", File.ReadAllText(Path.Combine(home, "good.txt")));
        Assert.Empty(Directory.GetFileSystemEntries(outside));
        Assert.False(File.Exists(Path.Combine(home, "passwd.txt")));
        Assert.False(Directory.Exists(Path.Combine(home, "etc-link")));
        Assert.Contains(result.Skipped, s => s.Path == "course" && s.Reason.Contains("a link on the pod"));
        Assert.Contains(result.Skipped, s => s.Path == "etc-link" && s.Reason.Contains("links are never restored"));
        Assert.Contains(result.Skipped, s => s.Path == "passwd.txt" && s.Reason.Contains("links are never restored"));
        Assert.Contains(result.Skipped, s => s.Reason.Contains("control character"));
        Assert.Equal(1, result.Files);
    }

    [SkippableFact]
    public void The_autocommit_branch_comes_back_into_a_replacement_pods_repo_and_uncommitted_work_is_never_lost()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null; Initialize-ArenaPod -Name alpha -Force | Out-Null");
        File.WriteAllText(Path.Combine(Home("alpha"), "course", "solution.py"), "print('done')\n");
        var saved = Run("Save-ArenaPodWork -Name alpha -Label w1d2 -Force").Output.OfType<ArenaPodSaveResult>().Single();
        Assert.Equal(ArenaSaveStatus.Pushed, saved.Status);
        Replace("alpha");
        Run("Initialize-ArenaPod -Name alpha -Force | Out-Null");
        var repo = Path.Combine(Home("alpha"), "course");
        Assert.False(File.Exists(Path.Combine(repo, "solution.py")));

        var restored = Restore("-Name alpha -FromBranch w1d2 -SkipFiles");
        var again = Restore("-Name alpha -FromBranch w1d2 -SkipFiles");
        // Another pod, whose participant has changed a tracked file and not committed it.
        Run("New-ArenaPod -Count 2 -Force | Out-Null; Initialize-ArenaPod -Name bravo -Force | Out-Null");
        var bravoRepo = Path.Combine(Home("bravo"), "course");
        Git(_dir.Path, "--git-dir", _origin, "branch", "autocommit-camp-w1d2-bravo", saved.Commit!);
        File.WriteAllText(Path.Combine(bravoRepo, "README.md"), "my own edit\n");
        // The branch was made here, not by Save-ArenaPodWork: only -Force takes it.
        var refused = Restore("-Name bravo -FromBranch w1d2 -SkipFiles -Force");

        Assert.True(restored.Succeeded, restored.Error);
        Assert.Equal(ArenaBranchRestoreStatus.FastForwarded, restored.BranchStatus);
        Assert.Equal("autocommit-camp-w1d2-alpha", restored.Branch);
        Assert.Equal("print('done')\n", File.ReadAllText(Path.Combine(repo, "solution.py")));
        Assert.Equal(saved.Commit, Git(repo, "rev-parse", "HEAD").Trim());
        Assert.Equal(ArenaBranchRestoreStatus.UpToDate, again.BranchStatus);
        Assert.False(refused.Succeeded);
        Assert.Equal("Branch", refused.FailedStep);
        Assert.Equal(ArenaBranchRestoreStatus.Failed, refused.BranchStatus);
        Assert.Contains("uncommitted changes", refused.Error);
        Assert.Equal("my own edit\n", File.ReadAllText(Path.Combine(bravoRepo, "README.md")));
        Assert.Equal(saved.Commit, Git(bravoRepo, "rev-parse", "arena-restore/w1d2").Trim());
    }

    [SkippableFact]
    public void A_pod_without_a_backup_is_BackupNotFound_and_nothing_is_written()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");

        var result = Restore("-Name alpha -Label never");

        Assert.False(result.Succeeded);
        Assert.Equal("BackupNotFound", result.ErrorId);
        Assert.Contains("'never'", result.Error);
        Assert.Empty(Directory.GetFileSystemEntries(Home("alpha")));
    }

    private ArenaPodRepairResult[] Repair(string script) => Run(script).Output.OfType<ArenaPodRepairResult>().ToArray();

    private static string[] StepNames(ArenaPodRepairResult result, bool done) => result.Steps.Where(s => s.Skipped != done).Select(s => s.Step).ToArray();

    [SkippableFact]
    public void A_pod_whose_SSH_died_is_replaced_from_a_failed_test_in_one_command_with_its_work_and_secrets_back()
    {
        var sandbox = _ssh.Require();
        Run("New-ArenaPod -Count 2 -Force | Out-Null; Initialize-ArenaPod -Name * -Force | Out-Null");
        Write(Path.Combine(Home("alpha"), "course", "notebook.py"), "alpha's notebook", new DateTime(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc));
        Run("Backup-ArenaPod -Name * -Label w1 -Destination $backups | Out-Null");
        var oldId = PodId("alpha");
        var bravoId = PodId("bravo");
        sandbox.Sshd(oldId, "stop");
        _vars["csv"] = _dir.Write("openai.csv", "host,key\nalpha,sk-alpha\nbravo,sk-bravo\n");
        _vars["token"] = Secrets.ToSecureString("hf-shared");

        var results = Repair("Get-ArenaPod | Test-ArenaPod -Command true | Where-Object { -not $_.Passed } | Repair-ArenaPod -BackupSource $backups -Secrets @{ OPENAI_API_KEY = $csv; HF_TOKEN = $token } -TestCommand true -Force");

        var result = Assert.Single(results);
        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("camp-alpha", result.Name);
        Assert.Equal(oldId, result.OldPodId);
        Assert.NotEqual(oldId, result.NewPod!.Id);
        Assert.Equal(result.NewPod.Id, PodId("alpha"));
        Assert.Equal(bravoId, PodId("bravo"));
        Assert.Equal(new[] { "Terminate", "Create", "WaitForSsh", "Setup", "Restore", "Secrets", "Test" }, StepNames(result, done: true));
        Assert.All(result.Steps, s => Assert.True(s.Succeeded, s.ToString()));
        Assert.Contains("w1", result.Steps.Single(s => s.Step == "Restore").Detail);
        var home = Home("alpha");
        Assert.Equal("alpha's notebook", File.ReadAllText(Path.Combine(home, "course", "notebook.py")));
        Assert.Equal("course\n", File.ReadAllText(Path.Combine(home, "course", "README.md")));
        var bashrc = File.ReadAllText(Path.Combine(home, ".bashrc"));
        Assert.Contains("OPENAI_API_KEY='sk-alpha'", bashrc);
        Assert.Contains("HF_TOKEN='hf-shared'", bashrc);
        Assert.DoesNotContain("sk-bravo", bashrc);
        Assert.False(File.Exists(Path.Combine(_ssh.DataDir!.Path, "repairs.json")) && File.ReadAllText(Path.Combine(_ssh.DataDir.Path, "repairs.json")).Contains("camp-alpha"));
    }

    [SkippableFact]
    public void A_replacement_that_stopped_half_way_is_carried_on_by_the_next_run_without_terminating_or_creating_twice()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        Write(Path.Combine(Home("alpha"), "work.txt"), "saved");
        Run("Backup-ArenaPod -Name alpha -Label w1 -Destination $backups | Out-Null");
        var oldId = PodId("alpha");

        // The restore step fails (no such backup): the new pod exists, the old one is gone, and the run says where it stopped.
        var stopped = Assert.Single(Repair("Repair-ArenaPod -Name alpha -BackupSource $backups -BackupLabel nope -SkipSetup Git -TestCommand true -Force"));
        var newId = PodId("alpha");
        var carried = Assert.Single(Repair("Repair-ArenaPod -Name alpha -BackupSource $backups -BackupLabel w1 -SkipSetup Git -TestCommand true -Force"));

        Assert.False(stopped.Succeeded);
        Assert.Equal("Restore", stopped.FailedStep);
        Assert.Equal("BackupNotFound", stopped.ErrorId);
        Assert.Contains("carry on", stopped.Error);
        Assert.NotEqual(oldId, newId);
        Assert.True(carried.Succeeded, carried.Error);
        Assert.True(carried.Resumed);
        Assert.Equal(newId, carried.NewPod!.Id);
        Assert.Equal(newId, PodId("alpha"));
        Assert.Equal(new[] { "Terminate", "Create" }, StepNames(carried, done: false).Where(s => s is "Terminate" or "Create").ToArray());
        Assert.Equal("saved", File.ReadAllText(Path.Combine(Home("alpha"), "work.txt")));
        Assert.Single(Run("Get-ArenaPod -Name alpha").Output.OfType<ArenaPod>());
    }

    [SkippableFact]
    public void A_replacement_cut_off_after_the_terminate_creates_the_pod_on_the_next_run_by_its_name_alone()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        var oldId = PodId("alpha");
        var pod = Run("Get-ArenaPod -Name alpha").Output.OfType<ArenaPod>().Single();
        // What a run cut off between its terminate and its create leaves: the pod gone, the journal saying so.
        Run("Remove-ArenaPod -Name alpha -Force | Out-Null");
        File.WriteAllText(Path.Combine(_ssh.DataDir!.Path, "repairs.json"), System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["camp-alpha"] = new { Name = "camp-alpha", Machine = "alpha", OldPodId = oldId, Terminated = true, GpuTypeId = pod.GpuTypeId, GpuCount = pod.GpuCount, Image = pod.Image, StartedAt = DateTimeOffset.UtcNow },
        }));

        var result = Assert.Single(Repair("Repair-ArenaPod -Name alpha -SkipSetup Git -TestCommand true -Force"));

        Assert.True(result.Succeeded, result.Error);
        Assert.True(result.Resumed);
        Assert.True(result.Steps.Single(s => s.Step == "Terminate").Skipped);
        Assert.Equal(result.NewPod!.Id, PodId("alpha"));
        Assert.Equal(oldId, result.OldPodId);
    }

    [SkippableFact]
    public void A_pod_stuck_on_its_host_after_the_weekend_is_replaced_by_Start_ReplaceIfStuck_with_its_work()
    {
        var sandbox = _ssh.Require();
        Run("New-ArenaPod -Count 2 -Force | Out-Null");
        Write(Path.Combine(Home("alpha"), "work.txt"), "alpha's friday");
        Write(Path.Combine(Home("bravo"), "work.txt"), "bravo's friday");
        var oldIds = new[] { PodId("alpha"), PodId("bravo") };
        Run("Backup-ArenaPod -Name * -Label friday -Destination $backups | Out-Null; Stop-ArenaPod -Name * -AllowDataLoss -Force | Out-Null");
        sandbox.AddFault(new { kind = "noFreeGpus", count = 1 });

        // Every stream merged into the output, so the order they were written in shows.
        var run = Run("Start-ArenaPod -Name * -Force -PassThru -ReplaceIfStuck -RepairParameters @{ BackupSource = $backups; SkipSetup = 'Git'; TestCommand = 'true' } -Verbose *>&1");

        var replaced = Assert.Single(run.Output.OfType<ArenaPodRepairResult>());
        Assert.True(replaced.Succeeded, replaced.Error);
        var started = Assert.Single(run.Output.OfType<ArenaPod>());
        Assert.NotEqual(replaced.Name, started.Name);
        Assert.Empty(run.Errors);
        Assert.Empty(run.Output.OfType<ErrorRecord>());
        Assert.Contains(run.Output.OfType<WarningRecord>(), w => w.Message.Contains("stuck on its host") && w.Message.Contains(replaced.Name));
        // The replacement writes into Start-ArenaPod's streams as it goes, not replayed after its results:
        // the stuck warning, then the replacement's confirmation and its work, then its result, then its summary.
        int At(Func<object?, bool> match) => run.Output.Select((o, i) => (o, i)).First(p => match(p.o)).i;
        var stuck = At(o => o is WarningRecord w && w.Message.Contains("stuck on its host"));
        var confirmed = At(o => o is VerboseRecord v && v.Message.StartsWith("Performing: Replace 1 pod", StringComparison.Ordinal));
        var result = At(o => o is ArenaPodRepairResult);
        var summary = At(o => o is VerboseRecord v && v.Message.StartsWith("Repair-ArenaPod: 1 of 1 pod replaced", StringComparison.Ordinal));
        Assert.True(stuck < confirmed && confirmed < result && result < summary, $"stuck {stuck}, confirmed {confirmed}, result {result}, summary {summary}");
        Assert.Contains(run.Output.Skip(confirmed).Take(result - confirmed), o => o is VerboseRecord v && v.Message.Contains(replaced.Name));
        // Its progress reaches the user too (a nested PowerShell's was lost).
        Assert.Contains(run.Progress!, p => p.Activity == "Replacing pods");
        var machine = replaced.Name.Substring("camp-".Length);
        Assert.DoesNotContain(PodId(machine), oldIds);
        Assert.Equal($"{machine}'s friday", File.ReadAllText(Path.Combine(Home(machine), "work.txt")));
        Assert.Equal("Running", Run($"(Get-ArenaPod -Name {replaced.Name}).Status.ToString()").Output.Cast<string>().Single());
    }

    [SkippableFact]
    public void With_NoPublish_a_replacement_leaves_the_proxy_alone_and_says_so()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        // A proxy nobody can reach: publishing would fail, so a replacement that publishes would fail at Publish.
        _vars["proxied"] = _dir.Write("proxied.env", File.ReadAllText((string)_vars["cfg"]!) + "SSH_PROXY_HOST=proxy.invalid\n");

        var left = Repair("$c = Import-ArenaConfig $proxied -NoDefault; Repair-ArenaPod -Name alpha -SkipSetup Git -TestCommand true -NoPublish -Force -Config $c").Single();

        Assert.True(left.Succeeded, left.Error);
        var publish = Assert.Single(left.Steps, s => s.Step == "Publish");
        Assert.True(publish.Skipped);
        Assert.Contains("Publish-ArenaProxyConfig", publish.Detail);
    }

    [SkippableFact]
    public void A_pod_without_GNU_tar_gets_its_backup_back_over_SFTP_with_modes_and_times_and_a_second_run_sends_nothing()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        var home = Home("alpha");
        var old = new DateTime(2026, 5, 6, 7, 8, 9, DateTimeKind.Utc);
        Write(Path.Combine(home, "course", "week1", "notes.md"), "notes", old);
        Write(Path.Combine(home, "Übung 1", "naïve.py"), "print('é')", old);
        Directory.CreateDirectory(Path.Combine(home, "empty"));
        var script = Path.Combine(home, "run.sh");
        Write(script, "#!/bin/sh\necho hi\n", old);
        File.SetUnixFileMode(script, (UnixFileMode)Convert.ToInt32("750", 8));
        Run("Backup-ArenaPod -Name alpha -Label w1 -Destination $backups | Out-Null");
        Replace("alpha");
        // BusyBox's tar, say: the new pod has no GNU tar.
        var tar = Path.Combine(Path.GetDirectoryName(Home("alpha"))!, "bin", "tar");
        File.WriteAllText(tar, "#!/bin/sh\nexit 127\n");
        File.SetUnixFileMode(tar, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var run = Run("Restore-ArenaPod -Name alpha -Source $backups -Confirm:$false -Verbose");
        var first = run.Output.OfType<ArenaPodRestoreResult>().Single();
        var second = Restore("-Name alpha");

        Assert.True(first.Succeeded, first.Error);
        Assert.Equal(ArenaBackupMethod.Sftp, first.Method);
        Assert.Contains(run.Verbose, v => v.Contains("no GNU tar") && v.Contains("SFTP"));
        Assert.Equal(3, first.Files);
        var now = Home("alpha");
        Assert.Equal("notes", File.ReadAllText(Path.Combine(now, "course", "week1", "notes.md")));
        Assert.Equal(old, File.GetLastWriteTimeUtc(Path.Combine(now, "course", "week1", "notes.md")));
        Assert.Equal("print('é')", File.ReadAllText(Path.Combine(now, "Übung 1", "naïve.py")));
        Assert.Equal((UnixFileMode)Convert.ToInt32("750", 8), File.GetUnixFileMode(Path.Combine(now, "run.sh")) & (UnixFileMode)0x1FF);
        Assert.True(Directory.Exists(Path.Combine(now, "empty")));
        Assert.Empty(Directory.GetFiles(now, "*.part", SearchOption.AllDirectories));
        Assert.True(second.Succeeded, second.Error);
        Assert.Equal(0, second.Files);
        Assert.Equal(3, second.Unchanged);
    }

    [SkippableFact]
    public void A_restore_whose_pod_stalls_ends_at_its_deadline()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        Write(Path.Combine(Home("alpha"), "work.txt"), "work");
        Run("Backup-ArenaPod -Name alpha -Label w1 -Destination $backups | Out-Null");
        File.Delete(Path.Combine(Home("alpha"), "work.txt"));
        // A tar that says it is GNU tar and then never reads or answers.
        var tar = Path.Combine(Path.GetDirectoryName(Home("alpha"))!, "bin", "tar");
        File.WriteAllText(tar, "#!/bin/sh\ncase \"$1\" in --version) echo 'tar (GNU tar) 1.34'; exit 0;; esac\nexec sleep 600\n");
        File.SetUnixFileMode(tar, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var clock = Stopwatch.StartNew();

        var result = Restore("-Name alpha -TimeoutSec 3");

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        Assert.False(result.Succeeded);
        Assert.Equal("Timeout", result.FailedStep);
        Assert.Equal("RestoreFailed", result.ErrorId);
    }

    [SkippableFact]
    public void A_restore_whose_pods_tar_quits_without_reading_fails_at_Upload_and_counts_nothing()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        var big = new byte[1024 * 1024];
        new Random(3).NextBytes(big);
        File.WriteAllBytes(Path.Combine(Home("alpha"), "model.bin"), big);
        Run("Backup-ArenaPod -Name alpha -Label w1 -Destination $backups | Out-Null");
        File.Delete(Path.Combine(Home("alpha"), "model.bin"));
        // A tar that says it is GNU tar and then ends at once, reading nothing.
        var tar = Path.Combine(Path.GetDirectoryName(Home("alpha"))!, "bin", "tar");
        File.WriteAllText(tar, "#!/bin/sh\ncase \"$1\" in --version) echo 'tar (GNU tar) 1.34'; exit 0;; esac\nexit 0\n");
        File.SetUnixFileMode(tar, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var result = Restore("-Name alpha");

        Assert.False(result.Succeeded, $"files {result.Files} method {result.Method} unchanged {result.Unchanged} skipped {string.Join(",", result.SkippedFiles ?? new string[0])}");
        Assert.Equal("RestoreFailed", result.ErrorId);
        Assert.Equal("Upload", result.FailedStep);
        Assert.Contains("did not write 1 of the file(s) sent (first: model.bin)", result.Error);
        Assert.Equal(0, result.Files);
        Assert.False(File.Exists(Path.Combine(Home("alpha"), "model.bin")));
    }
}
