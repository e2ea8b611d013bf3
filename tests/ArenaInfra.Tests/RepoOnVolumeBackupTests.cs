using ArenaInfra.Backup;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// Backup-ArenaPod and Restore-ArenaPod on real sshd pods whose course repo Initialize-ArenaPod moved
/// onto the volume (~/course a link to &lt;volume&gt;/course): the repo's files are in the backup as they
/// were from the home, incrementally across the move, and go back into the volume's copy; a link
/// that is not the module's own is never followed, and the result says the repo was left out.
/// </summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RepoOnVolumeBackupTests : IClassFixture<SshSandbox>, IDisposable
{
    private readonly SshSandbox _ssh;
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars = new();
    private readonly string _backups;

    public RepoOnVolumeBackupTests(SshSandbox ssh)
    {
        _ssh = ssh;
        _backups = Path.Combine(_dir.Path, "backup");
        if (ssh.SkipReason != null) return;
        ssh.Sandbox!.Reset();
        var key = Path.Combine(_dir.Path, "shared");
        SshCamp.CopyKey(key);
        _vars["key"] = CampFleet.Secure(Sandbox.ApiKey);
        _vars["cfg"] = SshCamp.Config(_dir, ssh.Sandbox, key, new[] { "ARENA_REPO_NAME=course", "RUNPOD_VOLUME_SPACE_IN_GB=20" });
        _vars["backups"] = _backups;
    }

    public void Dispose()
    {
        _host.Dispose();
        _dir.Dispose();
    }

    private HostResult Run(string script) =>
        _host.Run("$config = Import-ArenaConfig $cfg -NoDefault\n$PSDefaultParameterValues = @{ '*-Arena*:Config' = $config; '*-Arena*:ApiKey' = $key }\n" + script, _vars);

    private ArenaPodBackupResult Backup(string label) =>
        Run($"Backup-ArenaPod -Name alpha -Label {label} -Destination $backups").Output.OfType<ArenaPodBackupResult>().Single();

    private ArenaPodRestoreResult Restore(string arguments) =>
        Run("Restore-ArenaPod -Name alpha " + arguments + " -Source $backups -Confirm:$false").Output.OfType<ArenaPodRestoreResult>().Single();

    private string Home() => _ssh.Sandbox!.PodHome(Run("(Get-ArenaPod -Name alpha).Id").Output.Cast<string>().Single());
    private static string Volume(string home) => Path.Combine(Path.GetDirectoryName(home)!, "volume");

    private static void Write(string path, string text, DateTime? time = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        if (time != null) File.SetLastWriteTimeUtc(path, time.Value);
    }

    /// <summary>The files a backup keeps under a folder: path, size, content (times to the second, as every way a restore writes keeps them).</summary>
    private static SortedDictionary<string, string> Files(string root)
    {
        var tree = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in new DirectoryInfo(root).EnumerateFiles("*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, file.FullName);
            if (relative.Split('/').SkipLast(1).Any(p => p.StartsWith('.')) || file.LinkTarget != null) continue;
            tree[relative] = $"{file.Length} {file.LastWriteTimeUtc:yyyy-MM-dd HH:mm:ss} {File.ReadAllText(file.FullName)}";
        }
        return tree;
    }

    /// <summary>A pod with a course repo in its home, as the image has it: files, a notebook in a folder, git's own folder.</summary>
    private string PodWithRepo()
    {
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        var home = Home();
        var old = new DateTime(2026, 5, 6, 7, 8, 9, DateTimeKind.Utc);
        Write(Path.Combine(home, "notes.md"), "home notes", old);
        Write(Path.Combine(home, "course", "README.md"), "course\n", old);
        Write(Path.Combine(home, "course", "chapter1", "exercise.ipynb"), "{\"cells\": [\"participant's work\"]}", old);
        Write(Path.Combine(home, "course", ".git", "HEAD"), "ref: refs/heads/main\n", old);
        Directory.CreateDirectory(Volume(home));
        return home;
    }

    /// <summary>What Initialize-ArenaPod's Workspace step leaves: the repo on the volume, the home's name a link to it.</summary>
    private static string Move(string home)
    {
        var copy = Path.Combine(Volume(home), "course");
        Directory.Move(Path.Combine(home, "course"), copy);
        File.CreateSymbolicLink(Path.Combine(home, "course"), copy);
        return copy;
    }

    [SkippableFact]
    public void A_backup_after_the_move_holds_the_repo_as_before_incrementally_and_a_restore_puts_it_back_on_the_volume()
    {
        _ssh.Require();
        var home = PodWithRepo();
        var before = Backup("w1");
        var beforeTree = Files(Path.Combine(_backups, "w1", "camp-alpha"));
        var copy = Move(home);

        var after = Backup("w1");
        var fresh = Backup("w2");

        Assert.True(before.Succeeded, before.Error);
        Assert.True(after.Succeeded, after.Error);
        Assert.Equal(copy, after.RepoPath);
        Assert.Empty(after.Warnings);
        // The same shape as from the home, and nothing fetched again across the move.
        Assert.Equal(beforeTree, Files(Path.Combine(_backups, "w1", "camp-alpha")));
        Assert.Equal(before.Files, after.Files);
        Assert.Equal(0, after.Downloaded);
        Assert.True(fresh.Succeeded, fresh.Error);
        Assert.Equal(3, fresh.Downloaded);
        Assert.Equal(Files(copy), Files(Path.Combine(_backups, "w2", "camp-alpha", "course")));
        Assert.False(Directory.Exists(Path.Combine(_backups, "w2", "camp-alpha", "course", ".git")));
        Assert.True(File.Exists(BackupCatalog.RecordPath(Path.Combine(_backups, "w2"), "camp-alpha")));
        Assert.Contains("course/chapter1/exercise.ipynb", BackupCatalog.Find(_backups, "w2", "camp-alpha").Source!.Record!.Modes.Keys);

        // The participant's notebook lost on the pod: it comes back into the volume's copy, and the link stays.
        File.Delete(Path.Combine(copy, "chapter1", "exercise.ipynb"));
        var restored = Restore("-Label w2");

        Assert.True(restored.Succeeded, restored.Error);
        Assert.Equal(copy, restored.RepoPath);
        Assert.Equal(1, restored.Files);
        Assert.Empty(restored.Skipped);
        Assert.Equal("{\"cells\": [\"participant's work\"]}", File.ReadAllText(Path.Combine(copy, "chapter1", "exercise.ipynb")));
        Assert.Equal(copy, new DirectoryInfo(Path.Combine(home, "course")).LinkTarget);
    }

    [SkippableFact]
    public void A_planted_link_is_not_followed_and_the_result_says_the_repo_was_left_out()
    {
        _ssh.Require();
        var home = PodWithRepo();
        var copy = Move(home);
        Backup("w1");
        var outside = Path.Combine(_dir.Path, "outside");
        Write(Path.Combine(outside, "secret.txt"), "not the course");

        // The home's link pointing elsewhere.
        File.Delete(Path.Combine(home, "course"));
        File.CreateSymbolicLink(Path.Combine(home, "course"), outside);
        var elsewhere = Backup("w2");
        var restoredElsewhere = Restore("-Label w1 -OverwriteNewer");

        // The home's link right, but the volume's copy itself a link.
        File.Delete(Path.Combine(home, "course"));
        File.CreateSymbolicLink(Path.Combine(home, "course"), copy);
        Directory.Move(copy, copy + ".real");
        File.CreateSymbolicLink(copy, outside);
        var copyLinked = Backup("w3");
        var restoredCopyLinked = Restore("-Label w1 -OverwriteNewer");

        foreach (var (result, label) in new[] { (elsewhere, "w2"), (copyLinked, "w3") })
        {
            Assert.True(result.Succeeded, result.Error);
            Assert.Null(result.RepoPath);
            Assert.Contains(result.Warnings, w => w.Contains("~/course is a link") && w.Contains("NOT in this backup"));
            Assert.False(Directory.Exists(Path.Combine(_backups, label, "camp-alpha", "course")));
            Assert.True(File.Exists(Path.Combine(_backups, label, "camp-alpha", "notes.md")));
        }
        foreach (var result in new[] { restoredElsewhere, restoredCopyLinked })
        {
            Assert.True(result.Succeeded, result.Error);
            Assert.Null(result.RepoPath);
            Assert.Contains(result.Warnings, w => w.Contains("NOT restored"));
            Assert.Contains(result.Skipped, s => s.Path == "course" && s.Reason.Contains("a link on the pod"));
        }
        Assert.Equal(new[] { "secret.txt" }, Directory.GetFileSystemEntries(outside).Select(Path.GetFileName));
    }

    [SkippableFact]
    public void Over_SFTP_the_repo_on_the_volume_is_backed_up_and_restored_there_too()
    {
        _ssh.Require();
        var home = PodWithRepo();
        var copy = Move(home);
        // BusyBox's tar, say: the pod has no GNU tar.
        var tar = Path.Combine(Path.GetDirectoryName(home)!, "bin", "tar");
        File.WriteAllText(tar, "#!/bin/sh\nexit 127\n");
        File.SetUnixFileMode(tar, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var backup = Backup("w1");
        File.Delete(Path.Combine(copy, "chapter1", "exercise.ipynb"));
        var restored = Restore("-Label w1");

        Assert.True(backup.Succeeded, backup.Error);
        Assert.Equal(ArenaBackupMethod.Sftp, backup.Method);
        Assert.Equal(copy, backup.RepoPath);
        Assert.Empty(backup.Warnings);
        Assert.Equal(3, backup.Files);
        Assert.Equal("{\"cells\": [\"participant's work\"]}", File.ReadAllText(Path.Combine(_backups, "w1", "camp-alpha", "course", "chapter1", "exercise.ipynb")));
        Assert.True(restored.Succeeded, restored.Error);
        Assert.Equal(ArenaBackupMethod.Sftp, restored.Method);
        Assert.Equal(copy, restored.RepoPath);
        Assert.Equal(1, restored.Files);
        Assert.Equal("{\"cells\": [\"participant's work\"]}", File.ReadAllText(Path.Combine(copy, "chapter1", "exercise.ipynb")));
        Assert.Equal(copy, new DirectoryInfo(Path.Combine(home, "course")).LinkTarget);
    }
}
