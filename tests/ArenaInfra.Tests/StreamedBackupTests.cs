using System.Diagnostics;
using System.Security;
using System.Security.Cryptography;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// Backup-ArenaPod's stream (one listing, one tar stream) against real sshd pods: the copy equals
/// what rsync makes of the same home, re-runs fetch exactly what changed, a lying pod's stream is
/// refused entry by entry, and a pod without GNU tar is backed up over SFTP.
/// </summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class StreamedBackupTests : IClassFixture<SshSandbox>, IDisposable
{
    private readonly SshSandbox _ssh;
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars = new();

    public StreamedBackupTests(SshSandbox ssh)
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
        _vars["cfg"] = _dir.Write("camp.env", string.Join("\n",
            $"RUNPOD_API_BASE_URL={ssh.Sandbox.Url}",
            $"SHARED_SSH_KEY_PATH={Key}",
            $"SSH_USER={Environment.UserName}",
            "MACHINE_NAME_PREFIX=camp",
            "MACHINE_NAME_LIST=(alpha bravo)",
            "RUNPOD_API_MAX_RPS=0",
            ""));
        _vars["dest"] = Path.Combine(_dir.Path, "backup");
    }

    public void Dispose()
    {
        _host.Dispose();
        _dir.Dispose();
    }

    private string Key => Path.Combine(_dir.Path, "shared");

    private HostResult Run(string script) =>
        _host.Run("$config = Import-ArenaConfig $cfg -NoDefault\n$PSDefaultParameterValues = @{ '*-Arena*:Config' = $config; '*-Arena*:ApiKey' = $key }\n" + script, _vars);

    private ArenaPodBackupResult Backup(string name, string extra = "") =>
        Run($"Backup-ArenaPod -Name {name} -Label w1 -Destination $dest -MaxFileSizeMB 1 -Verbose {extra}").Output.OfType<ArenaPodBackupResult>().Single();

    private string PodId(string name) => Run($"(Get-ArenaPod -Name {name}).Id").Output.Cast<string>().Single();
    private string Home(string name) => _ssh.Sandbox!.PodHome(PodId(name));
    private string Local(string name) => Path.Combine(_dir.Path, "backup", "w1", "camp-" + name);

    /// <summary>A program on the pod's PATH ahead of the real one (the sandbox's pods put their bin folder first).</summary>
    private void OnPodPath(string pod, string program, string script)
    {
        var bin = Path.Combine(Path.GetDirectoryName(Home(pod))!, "bin");
        var file = Path.Combine(bin, program);
        File.WriteAllText(file, script);
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static void Write(string path, string text, DateTime? time = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        if (time != null) File.SetLastWriteTimeUtc(path, time.Value);
    }

    /// <summary>The home a course leaves behind, with every kind of name and shape a backup must get right.</summary>
    private static void MakeHome(string home)
    {
        var random = new Random(7);
        var old = new DateTime(2026, 3, 4, 5, 6, 7, DateTimeKind.Utc).AddTicks(1234567);
        Write(Path.Combine(home, "notes.md"), "notes", old);
        Write(Path.Combine(home, "with spaces", "a file with spaces.txt"), "spaces");
        Write(Path.Combine(home, "Übung 1", "naïve résumé.py"), "print('é')");
        Write(Path.Combine(home, "日本語", "ファイル.txt"), "unicode");
        Write(Path.Combine(home, "-starts-with-dash.txt"), "not an option");
        Write(Path.Combine(home, new string('l', 120) + ".txt"), "a name longer than a tar header holds");
        var deep = home;
        for (var i = 0; i < 20; i++) deep = Path.Combine(deep, "level" + i);
        Write(Path.Combine(deep, "bottom.txt"), "deep");
        Directory.CreateDirectory(Path.Combine(home, "empty", "also empty"));
        var atLimit = new byte[1024 * 1024];
        random.NextBytes(atLimit);
        File.WriteAllBytes(Path.Combine(home, "at-limit.bin"), atLimit);
        File.WriteAllBytes(Path.Combine(home, "over-limit.bin"), new byte[1024 * 1024 + 1]);
        Write(Path.Combine(home, ".bashrc"), "hidden files are kept");
        Write(Path.Combine(home, ".cache", "pip", "junk"), "hidden folders are not");
        Write(Path.Combine(home, "venv", "lib", "site-packages", "torch.py"), "site-packages is not");
        for (var i = 0; i < 40; i++) Write(Path.Combine(home, "course", "week" + (i % 4), $"exercise {i}.py"), new string('x', random.Next(1, 20000)));
        File.CreateSymbolicLink(Path.Combine(home, "passwd-link"), "/etc/passwd");
        File.WriteAllText(Path.Combine(home, "hard-a.txt"), "one file, two names");
        Link(Path.Combine(home, "hard-a.txt"), Path.Combine(home, "hard-b.txt"));
        var secret = Path.Combine(home, "keys.env");
        Write(secret, "OPENAI_API_KEY=sk-x");
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private static void Link(string existing, string name)
    {
        using var ln = Process.Start(new ProcessStartInfo("ln", new[] { existing, name }) { UseShellExecute = false })!;
        ln.WaitForExit();
        Assert.Equal(0, ln.ExitCode);
    }

    /// <summary>What rsync -a with the seed's filters copies of the pod, through the pod's own sshd.</summary>
    private string Rsync(string pod)
    {
        var installed = new[] { "/usr/bin/rsync", "/usr/local/bin/rsync", "/bin/rsync" }.Any(File.Exists);
        if (!installed && Environment.GetEnvironmentVariable("CI") == "true") throw new InvalidOperationException("CI=true but rsync is not installed; .ci/run installs it.");
        Skip.IfNot(installed, "rsync is not installed");
        var target = Path.Combine(_dir.Path, "rsync", pod);
        Directory.CreateDirectory(target);
        var endpoint = Run($"$p = Get-ArenaPod -Name {pod}; '{{0}} {{1}}' -f $p.PublicIp, $p.SshPort").Output.Cast<string>().Single().Split(' ');
        var known = Path.Combine(_dir.Path, "known_hosts");
        var info = new ProcessStartInfo("rsync") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[]
        {
            "-a", "--exclude=.*/", "--exclude=site-packages/", "--max-size=1m",
            "-e", $"ssh -p {endpoint[1]} -i {Key} -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile={known} -o BatchMode=yes",
            $"{Environment.UserName}@{endpoint[0]}:{Home(pod)}/", target + "/",
        }) info.ArgumentList.Add(arg);
        using var rsync = Process.Start(info)!;
        var error = rsync.StandardError.ReadToEndAsync();
        rsync.StandardOutput.ReadToEnd();
        Assert.True(rsync.WaitForExit(60000), "rsync did not finish");
        Assert.True(rsync.ExitCode == 0, $"rsync exit {rsync.ExitCode}: {error.Result}");
        return target;
    }

    /// <summary>
    /// Every folder and regular file under root: its path, and for a file its size, time (to the
    /// millisecond) and content. Not a folder's time: rsync, run over ssh here, leaves its folders at
    /// the time it made them; the backup's folder times are checked against the pod's instead.
    /// </summary>
    private static SortedDictionary<string, string> Tree(string root)
    {
        var tree = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in new DirectoryInfo(root).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            if (entry.LinkTarget != null) continue;
            var relative = Path.GetRelativePath(root, entry.FullName);
            var time = entry.LastWriteTimeUtc.Ticks / TimeSpan.TicksPerMillisecond;
            tree[relative] = entry is FileInfo file
                ? $"file {file.Length} {time} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file.FullName)))}"
                : "folder";
        }
        return tree;
    }

    [SkippableFact]
    public void The_streamed_backup_is_the_pods_filtered_tree_exactly_as_rsync_copies_it()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        MakeHome(Home("alpha"));

        var result = Backup("alpha");
        var rsynced = Rsync("alpha");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(ArenaBackupMethod.Stream, result.Method);
        Assert.Equal(Tree(rsynced), Tree(Local("alpha")));
        var local = Local("alpha");
        Assert.True(Directory.Exists(Path.Combine(local, "empty", "also empty")));
        foreach (var folder in new[] { "course", Path.Combine("course", "week0"), "日本語", "empty" })
        {
            Assert.Equal(Directory.GetLastWriteTimeUtc(Path.Combine(Home("alpha"), folder)), Directory.GetLastWriteTimeUtc(Path.Combine(local, folder)));
        }
        Assert.Equal(1024 * 1024, new FileInfo(Path.Combine(local, "at-limit.bin")).Length);
        Assert.Equal(new[] { "over-limit.bin" }, result.SkippedFiles);
        // rsync keeps the link as a link; the backup keeps no link at all, and both names of the hard link as files.
        Assert.Null(new FileInfo(Path.Combine(local, "passwd-link")).LinkTarget);
        Assert.False(File.Exists(Path.Combine(local, "passwd-link")));
        Assert.Equal("one file, two names", File.ReadAllText(Path.Combine(local, "hard-b.txt")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(local, "keys.env")) & (UnixFileMode)0x1FF);
        Assert.Equal((UnixFileMode)0, File.GetUnixFileMode(Path.Combine(local, "日本語")) & (UnixFileMode)0x3F);
        Assert.Equal(result.Files, result.Downloaded);
        Assert.Equal(result.Bytes, result.DownloadedBytes);
        Assert.InRange(result.TransferredBytes, result.DownloadedBytes, result.DownloadedBytes + result.Files * 1536L + 20480);
        Assert.DoesNotContain(Directory.GetFiles(local, "*.part", SearchOption.AllDirectories), _ => true);
    }

    [SkippableFact]
    public void A_re_run_fetches_nothing_and_after_changes_fetches_exactly_the_changed_files()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        var home = Home("alpha");
        MakeHome(home);
        var first = Backup("alpha");
        var local = Local("alpha");
        // A mark on every kept copy, under the same size and time: a file fetched again loses it.
        var marked = new List<string>();
        foreach (var file in Directory.GetFiles(local, "*", SearchOption.AllDirectories))
        {
            var time = File.GetLastWriteTimeUtc(file);
            var bytes = File.ReadAllBytes(file);
            if (bytes.Length == 0) continue;
            File.SetUnixFileMode(file, File.GetUnixFileMode(file) | UnixFileMode.UserWrite);
            bytes[0] ^= 0x20;
            File.WriteAllBytes(file, bytes);
            File.SetLastWriteTimeUtc(file, time);
            marked.Add(Path.GetRelativePath(local, file));
        }

        var second = Backup("alpha");
        Write(Path.Combine(home, "notes.md"), "notes, edited");
        Write(Path.Combine(home, "course", "week1", "exercise 1.py"), "same size? no: rewritten");
        Write(Path.Combine(home, "new folder", "new file.txt"), "new");
        var third = Backup("alpha");

        Assert.True(first.Succeeded && second.Succeeded && third.Succeeded, first.Error ?? second.Error ?? third.Error);
        Assert.Equal(0, second.Downloaded);
        Assert.Equal(0, second.TransferredBytes);
        Assert.Equal(first.Files, second.Unchanged);
        Assert.Equal(3, third.Downloaded);
        Assert.Equal(first.Files + 1, third.Files);
        Assert.Equal("notes, edited", File.ReadAllText(Path.Combine(local, "notes.md")));
        Assert.Equal("new", File.ReadAllText(Path.Combine(local, "new folder", "new file.txt")));
        var changed = new[] { "notes.md", Path.Combine("course", "week1", "exercise 1.py") };
        foreach (var file in marked.Except(changed))
        {
            var copy = File.ReadAllBytes(Path.Combine(local, file));
            var original = File.ReadAllBytes(Path.Combine(home, file));
            Assert.True(copy[0] == (original[0] ^ 0x20), $"{file} was fetched again though it had not changed");
        }
    }

    [SkippableFact]
    public void A_lying_stream_is_refused_entry_by_entry_and_the_honest_files_are_kept()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        var home = Home("alpha");
        Write(Path.Combine(home, "good.txt"), "good");
        Write(Path.Combine(home, "link.txt"), "a real file on the pod");
        Write(Path.Combine(home, "short.txt"), "short");
        Write(Path.Combine(home, "twice.txt"), "once");
        Write(Path.Combine(home, "last.txt"), "last");
        var hostile = new TarBuilder()
            .File("./good.txt", "good")
            .File("./../../escape.txt", "climbed out of the backup")
            .File("/tmp/arena-absolute.txt", "an absolute path")
            .File("./link.txt", "", type: '2', link: "/etc/passwd")
            .File("./short.txt", "much longer than the five bytes it listed")
            .File("./twice.txt", "once")
            .File("./twice.txt", "twice, overwriting the first")
            .File("./last.txt", "last")
            .End();
        var archive = Path.Combine(_dir.Path, "hostile.tar");
        File.WriteAllBytes(archive, hostile);
        OnPodPath("alpha", "tar", $"#!/bin/sh\ncase \"$1\" in --version) echo 'tar (GNU tar) 1.34'; exit 0;; esac\ncat >/dev/null\ncat '{archive}'\n");

        var result = Backup("alpha");

        Assert.True(result.Succeeded, result.Error);
        var local = Local("alpha");
        Assert.Equal("good", File.ReadAllText(Path.Combine(local, "good.txt")));
        Assert.Equal("once", File.ReadAllText(Path.Combine(local, "twice.txt")));
        Assert.Equal("last", File.ReadAllText(Path.Combine(local, "last.txt")));
        Assert.False(File.Exists(Path.Combine(local, "link.txt")));
        Assert.False(File.Exists(Path.Combine(local, "short.txt")));
        Assert.False(File.Exists(Path.Combine(_dir.Path, "backup", "escape.txt")));
        Assert.False(File.Exists("/tmp/arena-absolute.txt"));
        Assert.Contains(result.Skipped, s => s.Path == "../../escape.txt" && s.Reason.Contains("not asked for"));
        Assert.Contains(result.Skipped, s => s.Path == "/tmp/arena-absolute.txt" && s.Reason.Contains("not asked for"));
        Assert.Contains(result.Skipped, s => s.Path == "link.txt" && s.Reason.Contains("a symbolic link"));
        Assert.Contains(result.Skipped, s => s.Path == "short.txt" && s.Reason.Contains("listed as 5 bytes"));
        Assert.Contains(result.Skipped, s => s.Path == "twice.txt" && s.Reason.Contains("not asked for"));
        Assert.Equal(3, result.Downloaded);
        Assert.DoesNotContain(Directory.GetFiles(_dir.Path, "*", SearchOption.AllDirectories), f => f.Contains("escape") || f.EndsWith(".part"));
    }

    [SkippableFact]
    public void A_stream_that_breaks_off_fails_the_pod_and_keeps_the_files_that_came_whole()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        var home = Home("alpha");
        Write(Path.Combine(home, "a.txt"), "first");
        Write(Path.Combine(home, "b.txt"), new string('b', 3000));
        var whole = new TarBuilder().File("./a.txt", "first").File("./b.txt", new string('b', 3000)).End();
        var cut = whole.Take(512 + 512 + 512 + 1000).ToArray();
        var archive = Path.Combine(_dir.Path, "cut.tar");
        File.WriteAllBytes(archive, cut);
        OnPodPath("alpha", "tar", $"#!/bin/sh\ncase \"$1\" in --version) echo 'tar (GNU tar) 1.34'; exit 0;; esac\ncat >/dev/null\ncat '{archive}'\n");

        var result = Backup("alpha");

        Assert.False(result.Succeeded);
        Assert.Equal("BackupFailed", result.ErrorId);
        Assert.Equal("Download", result.FailedStep);
        Assert.Contains("broke off", result.Error);
        Assert.Equal("first", File.ReadAllText(Path.Combine(Local("alpha"), "a.txt")));
        Assert.False(File.Exists(Path.Combine(Local("alpha"), "b.txt")));
        Assert.Empty(Directory.GetFiles(Local("alpha"), "*.part", SearchOption.AllDirectories));
    }

    [SkippableTheory]
    // BusyBox's tar, say: no GNU tar on the pod.
    [InlineData("tar", "tar: applet not found", "no GNU tar")]
    // The paced stream keeps the names in a temporary file: a pod without mktemp cannot stream.
    [InlineData("mktemp", "mktemp: not found", "mktemp")]
    public void A_pod_without_what_the_stream_needs_is_backed_up_over_SFTP_and_says_so(string tool, string itSays, string weSay)
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        var home = Home("alpha");
        Write(Path.Combine(home, "work", "notes.txt"), "notes");
        Write(Path.Combine(home, ".cache", "junk"), "left out");
        OnPodPath("alpha", tool, $"#!/bin/sh\necho '{itSays}' >&2\nexit 127\n");

        var run = Run("Backup-ArenaPod -Name alpha -Label w1 -Destination $dest -Verbose");
        var result = run.Output.OfType<ArenaPodBackupResult>().Single();

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(ArenaBackupMethod.Sftp, result.Method);
        Assert.Equal("notes", File.ReadAllText(Path.Combine(Local("alpha"), "work", "notes.txt")));
        Assert.False(Directory.Exists(Path.Combine(Local("alpha"), ".cache")));
        Assert.Contains(run.Verbose, v => v.Contains("camp-alpha") && v.Contains(weSay) && v.Contains("SFTP"));
    }

    [SkippableFact]
    public void A_stream_that_stalls_ends_at_the_backup_deadline_and_the_other_pods_are_backed_up()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 2 -Force | Out-Null; Get-ArenaPod | Wait-ArenaPod -TimeoutSec 120 | Out-Null");
        Write(Path.Combine(Home("alpha"), "work.txt"), "alpha's work");
        Write(Path.Combine(Home("bravo"), "work.txt"), "bravo's work");
        OnPodPath("alpha", "tar", "#!/bin/sh\ncase \"$1\" in --version) echo 'tar (GNU tar) 1.34'; exit 0;; esac\nexec sleep 600\n");
        var clock = Stopwatch.StartNew();

        var results = Run("Backup-ArenaPod -Label w1 -Destination $dest -TimeoutSec 5").Output.OfType<ArenaPodBackupResult>().ToDictionary(r => r.Name);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(25), $"took {clock.Elapsed}");
        Assert.False(results["camp-alpha"].Succeeded);
        Assert.Equal("Timeout", results["camp-alpha"].FailedStep);
        Assert.True(results["camp-bravo"].Succeeded, results["camp-bravo"].Error);
        Assert.Equal("bravo's work", File.ReadAllText(Path.Combine(Local("bravo"), "work.txt")));
    }
}
