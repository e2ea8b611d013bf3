using System.Diagnostics;
using System.Security;
using System.Security.Cryptography;
using ArenaInfra.Backup;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// A backup says Succeeded only when every file it listed and its record after them are on the disk,
/// and a restore picks only such a backup: tested against real sshd pods with a real full disk (a
/// small tmpfs mounted in the test's own folder), pods whose sparse files would fill it, and real
/// links planted in the backup tree where the organiser's ~/.ssh would be reached through them.
/// </summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class BackupIntegrityTests : IClassFixture<SshSandbox>, IDisposable
{
    private readonly SshSandbox _ssh;
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars = new();
    private readonly List<string> _mounts = new();

    public BackupIntegrityTests(SshSandbox ssh)
    {
        _ssh = ssh;
        if (ssh.SkipReason != null) return;
        ssh.Sandbox!.Reset();
        File.Copy(RepoPaths.Fixture("keys/test_ed25519"), Key);
        File.Copy(RepoPaths.Fixture("keys/test_ed25519.pub"), Key + ".pub");
        File.SetUnixFileMode(Key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var s = new SecureString();
        foreach (var c in Sandbox.ApiKey) s.AppendChar(c);
        _vars["key"] = s;
        Config();
        Destination(Path.Combine(_dir.Path, "backup"));
    }

    public void Dispose()
    {
        _host.Dispose();
        foreach (var mount in _mounts) Unmount(mount);
        _dir.Dispose();
    }

    private string Key => Path.Combine(_dir.Path, "shared");
    private string Dest => (string)_vars["dest"]!;

    private void Destination(string path) => _vars["dest"] = path;

    /// <summary>The fleet's config, with any backup settings given.</summary>
    private void Config(params string[] extra) =>
        _vars["cfg"] = _dir.Write("camp.env", string.Join("\n", new[]
        {
            $"RUNPOD_API_BASE_URL={_ssh.Sandbox!.Url}",
            $"SHARED_SSH_KEY_PATH={Key}",
            $"SSH_USER={Environment.UserName}",
            "MACHINE_NAME_PREFIX=camp",
            "MACHINE_NAME_LIST=(alpha bravo)",
            "RUNPOD_API_MAX_RPS=0",
        }.Concat(extra)) + "\n");

    private HostResult Run(string script) =>
        _host.Run("$config = Import-ArenaConfig $cfg -NoDefault\n$PSDefaultParameterValues = @{ '*-Arena*:Config' = $config; '*-Arena*:ApiKey' = $key }\n" + script, _vars);

    private Dictionary<string, ArenaPodBackupResult> Backup(string label, string pods = "") =>
        Run($"Backup-ArenaPod {pods} -Label {label} -Destination $dest -Verbose").Output.OfType<ArenaPodBackupResult>().ToDictionary(r => r.Name);

    private ArenaPodRestoreResult Restore(string arguments) =>
        Run("Restore-ArenaPod " + arguments + " -Source $dest -Confirm:$false").Output.OfType<ArenaPodRestoreResult>().Single();

    private string PodId(string name) => Run($"(Get-ArenaPod -Name {name}).Id").Output.Cast<string>().Single();
    private string Home(string name) => _ssh.Sandbox!.PodHome(PodId(name));

    /// <summary>A program on the pod's PATH ahead of the real one (the sandbox's pods put their bin folder first).</summary>
    private void OnPodPath(string pod, string program, string script)
    {
        var file = Path.Combine(Path.GetDirectoryName(Home(pod))!, "bin", program);
        File.WriteAllText(file, script);
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static string RealTar => new[] { "/usr/bin/tar", "/bin/tar" }.First(File.Exists);

    private static void Write(string path, string text, DateTime? time = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        if (time != null) File.SetLastWriteTimeUtc(path, time.Value);
    }

    /// <summary>A file of the given size with no blocks on the disk: a pod's home can hold many, a backup's copy cannot.</summary>
    private static void Sparse(string path, long size)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        file.SetLength(size);
    }

    /// <summary>A small disk of its own: a tmpfs mounted in the test's folder, unmounted when the test ends.</summary>
    private string SmallDisk(int megabytes)
    {
        var disk = Path.Combine(_dir.Path, "disk" + _mounts.Count);
        Directory.CreateDirectory(disk);
        var (code, error) = Exec("mount", "-t", "tmpfs", "-o", $"size={megabytes}m,mode=0700", "tmpfs", disk);
        Skip.If(code != 0, $"a tmpfs cannot be mounted here (mount said: {error.Trim()}); the full-disk tests need it");
        _mounts.Add(disk);
        return disk;
    }

    private static void Unmount(string disk)
    {
        for (var i = 0; i < 20; i++)
        {
            if (Exec("umount", disk).Code == 0) return;
            Thread.Sleep(250);
        }
        Exec("umount", "-l", disk);
    }

    private static (int Code, string Error) Exec(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit(30000);
        return (process.ExitCode, error.Result);
    }

    /// <summary>Every file under a folder with its content's hash, and every folder: what "untouched" means.</summary>
    private static SortedDictionary<string, string> Tree(string root)
    {
        var tree = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in new DirectoryInfo(root).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            tree[Path.GetRelativePath(root, entry.FullName)] = entry is FileInfo file
                ? $"{file.Length} {file.LastWriteTimeUtc.Ticks} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file.FullName)))}"
                : "folder";
        }
        return tree;
    }

    private string Record(string label, string pod) => Path.Combine(Dest, label, pod + ".backup.json");

    // Row 1: a full disk.

    [SkippableFact]
    public void A_disk_that_fills_during_the_backup_makes_it_BackupIncomplete_and_the_restore_takes_the_previous_finished_one()
    {
        _ssh.Require();
        var disk = SmallDisk(6);
        Destination(Path.Combine(disk, "backup"));
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        var home = Home("alpha");
        Write(Path.Combine(home, "essay.md"), "thursday's work", new DateTime(2026, 6, 4, 0, 0, 0, DateTimeKind.Utc));
        var thursday = Backup("thursday")["camp-alpha"];
        Assert.True(thursday.Succeeded, thursday.Error);
        var before = Tree(Path.Combine(Dest, "thursday"));
        // Friday: more work, and on the organiser's machine something fills the disk just as the pod starts to send.
        for (var i = 0; i < 4; i++) File.WriteAllBytes(Path.Combine(home, $"data{i}.bin"), RandomNumberGenerator.GetBytes(512 * 1024));
        var filler = Path.Combine(disk, "filler");
        OnPodPath("alpha", "tar", $"#!/bin/sh\ncase \"$1\" in --version) exec {RealTar} --version;; esac\ndd if=/dev/zero of='{filler}' bs=64k 2>/dev/null\nexec {RealTar} \"$@\"\n");

        var run = Run("Backup-ArenaPod -Label friday -Destination $dest -InformationVariable info; $info | ForEach-Object { \"$_\" }");
        var friday = run.Output.OfType<ArenaPodBackupResult>().Single();

        Assert.False(friday.Succeeded);
        Assert.Equal("BackupIncomplete", friday.ErrorId);
        Assert.Contains("No space left on device", friday.Error);
        Assert.Contains(run.Output.OfType<string>(), line => line.Contains("0 of 1"));
        Assert.False(File.Exists(Record("friday", "camp-alpha")) && File.ReadAllText(Record("friday", "camp-alpha")).Contains("\"Succeeded\": true"));
        Assert.Equal(before, Tree(Path.Combine(Dest, "thursday")));

        // Monday: the pod's home was erased by the stop.
        File.Delete(filler);
        File.Delete(Path.Combine(home, "essay.md"));
        var restored = Restore("-Name alpha");

        Assert.True(restored.Succeeded, restored.Error);
        Assert.Equal("thursday", restored.Label);
        Assert.Contains("newest finished", restored.LabelReason);
        Assert.Contains("'friday'", restored.LabelReason);
        Assert.Equal("thursday's work", File.ReadAllText(Path.Combine(home, "essay.md")));
    }

    [SkippableFact]
    public void The_one_writer_of_backed_up_files_says_a_full_disk_is_this_machines_failure_and_leaves_no_partial_file()
    {
        var disk = SmallDisk(1);
        var folder = new BackupFolder(Path.Combine(disk, "w1", "camp-alpha"), Path.Combine(disk, "w1"));
        var bytes = new byte[2 * 1024 * 1024];
        var file = new[] { "big.bin" };

        var refused = Assert.Throws<BackupWriteException>(() =>
            folder.Write(file, bytes.Length, exactSize: true, 0x1A4, DateTime.UtcNow, stream => stream.Write(bytes, 0, bytes.Length)));
        // What the pod sent wrong is still the pod's: a file longer than it announced.
        var lying = Assert.ThrowsAny<IOException>(() =>
            folder.Write(new[] { "small.txt" }, 3, exactSize: true, 0x1A4, DateTime.UtcNow, stream => stream.Write(bytes, 0, 10)));

        Assert.Contains("No space left on device", refused.Message);
        Assert.Contains("more than the 3 bytes", lying.Message);
        Assert.Empty(Directory.GetFiles(Path.Combine(disk, "w1"), "*", SearchOption.AllDirectories));
    }

    [SkippableFact]
    public void A_record_that_cannot_be_written_after_the_last_file_leaves_the_backup_unfinished()
    {
        _ssh.Require();
        var disk = SmallDisk(4);
        Destination(Path.Combine(disk, "backup"));
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        var home = Home("alpha");
        Write(Path.Combine(home, "notes.md"), "the only file");
        var copied = Path.Combine(Dest, "friday", "camp-alpha", "notes.md");
        // The stream goes whole; once its file is in the backup, the disk fills before the record is written.
        OnPodPath("alpha", "tar", string.Join("\n",
            "#!/bin/sh",
            $"case \"$1\" in --version) exec {RealTar} --version;; esac",
            $"{RealTar} \"$@\"",
            $"i=0; while [ ! -f '{copied}' ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done",
            $"dd if=/dev/zero of='{Path.Combine(disk, "filler")}' bs=64k 2>/dev/null",
            "exit 0", ""));

        var friday = Backup("friday")["camp-alpha"];

        Assert.Equal("the only file", File.ReadAllText(copied));
        Assert.False(friday.Succeeded);
        Assert.Equal("BackupIncomplete", friday.ErrorId);
        Assert.Equal("Record", friday.FailedStep);
        Assert.Contains("No space left on device", friday.Error);
        Assert.False(File.Exists(Record("friday", "camp-alpha")));
        var restore = Restore("-Name alpha");
        Assert.Equal("BackupNotFound", restore.ErrorId);
        Assert.Contains("'friday'", restore.Error);
    }

    // Row 2: only a finished backup is a candidate.

    [SkippableFact]
    public void Restore_without_a_label_takes_the_newest_finished_backup_and_says_which_and_why()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        var home = Home("alpha");
        Write(Path.Combine(home, "essay.md"), "monday", new DateTime(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc));
        Assert.True(Backup("monday")["camp-alpha"].Succeeded);
        // Tuesday's backup was cut off after some of its files and before its record: the machine went down.
        Write(Path.Combine(Dest, "tuesday", "camp-alpha", "essay.md"), "");
        File.Delete(Path.Combine(home, "essay.md"));

        var chosen = Restore("-Name alpha");
        var essay = File.ReadAllText(Path.Combine(home, "essay.md"));
        var askedRun = Run("Restore-ArenaPod -Name alpha -Label tuesday -Force -Source $dest -Confirm:$false");
        var asked = askedRun.Output.OfType<ArenaPodRestoreResult>().Single();

        Assert.True(chosen.Succeeded, chosen.Error);
        Assert.Equal("monday", chosen.Label);
        Assert.Equal("monday", essay);
        Assert.Contains("newest finished", chosen.LabelReason);
        Assert.Contains("'tuesday' (no record of a finished backup", chosen.LabelReason);
        Assert.True(asked.Succeeded, asked.Error);
        Assert.Equal("tuesday", asked.Label);
        Assert.Contains("-Label", asked.LabelReason);
        Assert.Contains("did not finish", asked.LabelReason);
        Assert.Contains(askedRun.Warnings, w => w.StartsWith("camp-alpha: the backup 'tuesday' did not finish"));
    }

    // Row 4: caps and free space, before a byte is fetched.

    [SkippableFact]
    public void A_pod_over_its_cap_fetches_nothing_and_the_next_pod_is_backed_up()
    {
        _ssh.Require();
        var disk = SmallDisk(30);
        Destination(Path.Combine(disk, "backup"));
        Config("BACKUP_MAX_POD_MB=20");
        Run("New-ArenaPod -Count 2 -Force | Out-Null; Get-ArenaPod | Wait-ArenaPod -TimeoutSec 120 | Out-Null");
        for (var i = 0; i < 60; i++) Sparse(Path.Combine(Home("alpha"), "checkpoints", $"step{i:00}.pt"), 1024 * 1024);
        Write(Path.Combine(Home("bravo"), "work.txt"), "bravo's work");

        var results = Backup("w1");

        Assert.False(results["camp-alpha"].Succeeded);
        Assert.Equal("BackupTooLarge", results["camp-alpha"].ErrorId);
        Assert.Contains("BACKUP_MAX_POD_MB (20 MB)", results["camp-alpha"].Error);
        Assert.Contains("checkpoints/step", results["camp-alpha"].Error);
        Assert.Equal(0, results["camp-alpha"].Downloaded);
        Assert.False(Directory.Exists(Path.Combine(Dest, "w1", "camp-alpha")));
        Assert.True(results["camp-bravo"].Succeeded, results["camp-bravo"].Error);
        Assert.Equal("bravo's work", File.ReadAllText(Path.Combine(Dest, "w1", "camp-bravo", "work.txt")));
    }

    [SkippableFact]
    public void A_pod_bigger_than_the_disks_free_space_is_BackupNoSpace_and_the_next_pod_is_backed_up()
    {
        _ssh.Require();
        var disk = SmallDisk(30);
        Destination(Path.Combine(disk, "backup"));
        Run("New-ArenaPod -Count 2 -Force | Out-Null; Get-ArenaPod | Wait-ArenaPod -TimeoutSec 120 | Out-Null");
        for (var i = 0; i < 60; i++) Sparse(Path.Combine(Home("alpha"), "checkpoints", $"step{i:00}.pt"), 1024 * 1024);
        Write(Path.Combine(Home("bravo"), "work.txt"), "bravo's work");

        var results = Backup("w1");

        Assert.False(results["camp-alpha"].Succeeded);
        Assert.Equal("BackupNoSpace", results["camp-alpha"].ErrorId);
        Assert.Contains("MB free", results["camp-alpha"].Error);
        Assert.Equal(0, results["camp-alpha"].Downloaded);
        Assert.False(Directory.Exists(Path.Combine(Dest, "w1", "camp-alpha")));
        Assert.True(results["camp-bravo"].Succeeded, results["camp-bravo"].Error);
        Assert.Equal("bravo's work", File.ReadAllText(Path.Combine(Dest, "w1", "camp-bravo", "work.txt")));
        Assert.InRange(new DriveInfo(disk).AvailableFreeSpace, 25L * 1024 * 1024, long.MaxValue);
    }

    [SkippableFact]
    public void A_pod_that_would_take_the_run_past_its_cap_fetches_nothing()
    {
        _ssh.Require();
        Config("BACKUP_MAX_RUN_MB=10");
        Run("New-ArenaPod -Count 2 -Force | Out-Null; Get-ArenaPod | Wait-ArenaPod -TimeoutSec 120 | Out-Null");
        for (var i = 0; i < 20; i++) Sparse(Path.Combine(Home("alpha"), "data", $"shard{i:00}.bin"), 1024 * 1024);
        Write(Path.Combine(Home("bravo"), "work.txt"), "bravo's work");

        var results = Backup("w1");

        Assert.Equal("BackupTooLarge", results["camp-alpha"].ErrorId);
        Assert.Contains("BACKUP_MAX_RUN_MB (10 MB", results["camp-alpha"].Error);
        Assert.False(Directory.Exists(Path.Combine(Dest, "w1", "camp-alpha")));
        Assert.True(results["camp-bravo"].Succeeded, results["camp-bravo"].Error);
    }

    [SkippableFact]
    public void Files_deleted_on_the_pod_stay_in_the_labels_copy()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        var home = Home("alpha");
        Write(Path.Combine(home, "kept.txt"), "kept");
        Write(Path.Combine(home, "deleted later.txt"), "still wanted");
        Assert.True(Backup("w1")["camp-alpha"].Succeeded);
        File.Delete(Path.Combine(home, "deleted later.txt"));

        var again = Backup("w1")["camp-alpha"];

        Assert.True(again.Succeeded, again.Error);
        Assert.Equal(1, again.Files);
        Assert.Equal("still wanted", File.ReadAllText(Path.Combine(Dest, "w1", "camp-alpha", "deleted later.txt")));
    }

    // Row 8: links in the backup tree.

    /// <summary>What the organiser's ~/.ssh would hold: the folder a planted link leads to.</summary>
    private string OrganiserSsh()
    {
        var ssh = Path.Combine(_dir.Path, "organiser", ".ssh");
        Write(Path.Combine(ssh, "id_ed25519"), "-----BEGIN OPENSSH PRIVATE KEY----- the organiser's");
        Write(Path.Combine(ssh, "config"), "Host *\n  IdentityFile ~/.ssh/id_ed25519\n");
        return ssh;
    }

    [SkippableFact]
    public void A_backup_refuses_a_link_at_the_label_folder_or_the_pod_folder_and_writes_nothing_through_it()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        var home = Home("alpha");
        Write(Path.Combine(home, "config"), "Host * ProxyCommand evil");
        Write(Path.Combine(home, "authorized_keys"), "ssh-ed25519 AAAA the participant's");
        var ssh = OrganiserSsh();
        var before = Tree(ssh);
        Directory.CreateDirectory(Dest);
        var labelLink = Path.Combine(Dest, "w1");
        Directory.CreateSymbolicLink(labelLink, ssh);
        var podLink = Path.Combine(Dest, "w2", "camp-alpha");
        Directory.CreateDirectory(Path.GetDirectoryName(podLink)!);
        Directory.CreateSymbolicLink(podLink, ssh);

        var atLabel = Backup("w1")["camp-alpha"];
        var atPod = Backup("w2")["camp-alpha"];

        Assert.Equal(before, Tree(ssh));
        Assert.False(atLabel.Succeeded);
        Assert.Equal("BackupPathIsLink", atLabel.ErrorId);
        Assert.Contains(labelLink, atLabel.Error);
        Assert.False(atPod.Succeeded);
        Assert.Equal("BackupPathIsLink", atPod.ErrorId);
        Assert.Contains(podLink, atPod.Error);
        Assert.False(File.Exists(Record("w2", "camp-alpha")));
    }

    [SkippableFact]
    public void A_backup_refuses_a_link_planted_below_the_pods_folder()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        var home = Home("alpha");
        Write(Path.Combine(home, "course", "authorized_keys"), "ssh-ed25519 AAAA the participant's");
        var ssh = OrganiserSsh();
        var before = Tree(ssh);
        var link = Path.Combine(Dest, "w1", "camp-alpha", "course");
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        Directory.CreateSymbolicLink(link, ssh);

        var result = Backup("w1")["camp-alpha"];

        Assert.Equal(before, Tree(ssh));
        Assert.False(result.Succeeded);
        Assert.Equal("BackupPathIsLink", result.ErrorId);
        Assert.Contains(link, result.Error);
    }

    [SkippableFact]
    public void A_restore_refuses_a_link_at_the_label_folder_or_the_pod_folder_and_sends_nothing_from_it()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        var home = Home("alpha");
        var ssh = OrganiserSsh();
        // The pod folder a link to ~/.ssh, with a record that says it finished.
        var podLink = Path.Combine(Dest, "w1", "camp-alpha");
        Directory.CreateDirectory(Path.GetDirectoryName(podLink)!);
        Directory.CreateSymbolicLink(podLink, ssh);
        var record = $"{{\"Pod\":\"camp-alpha\",\"CompletedUtc\":\"{DateTime.UtcNow:o}\",\"Succeeded\":true}}";
        File.WriteAllText(Record("w1", "camp-alpha"), record);
        // And a label folder that is a link to a folder laid out as a backup, holding the same key.
        var elsewhere = Path.Combine(_dir.Path, "elsewhere");
        Directory.CreateDirectory(elsewhere);
        Directory.CreateSymbolicLink(Path.Combine(elsewhere, "camp-alpha"), ssh);
        File.WriteAllText(Path.Combine(elsewhere, "camp-alpha.backup.json"), record);
        var labelLink = Path.Combine(Dest, "w2");
        Directory.CreateSymbolicLink(labelLink, elsewhere);

        var atPod = Restore("-Name alpha -Label w1");
        var atLabel = Restore("-Name alpha -Label w2");
        var chosen = Restore("-Name alpha");

        Assert.False(File.Exists(Path.Combine(home, "id_ed25519")));
        Assert.Empty(Directory.GetFileSystemEntries(home));
        Assert.Equal("BackupPathIsLink", atPod.ErrorId);
        Assert.Contains(podLink, atPod.Error);
        Assert.Equal("BackupPathIsLink", atLabel.ErrorId);
        Assert.Contains(labelLink, atLabel.Error);
        Assert.Equal("BackupNotFound", chosen.ErrorId);
        Assert.Contains("'w1' (its folder camp-alpha is a link", chosen.Error);
        Assert.Contains("'w2' (a link", chosen.Error);
    }
}
