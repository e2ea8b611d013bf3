using System.Diagnostics;
using System.Management.Automation;
using System.Security;
using ArenaInfra.Operations;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>Initialize-, Set-ArenaPodSecret, Save-ArenaPodWork, Backup-ArenaPod and Get-ArenaPodGpu over real SSH.</summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
[Trait(TestShard.Trait, TestShard.Second)]
public sealed class DailyOperationsTests : IClassFixture<SshSandbox>, IDisposable
{
    private readonly SshSandbox _ssh;
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars = new();
    private readonly string _origin;

    public DailyOperationsTests(SshSandbox ssh)
    {
        _ssh = ssh;
        _origin = Path.Combine(_dir.Path, "origin.git");
        if (ssh.SkipReason != null) return;
        ssh.Sandbox!.Reset();
        SshCamp.CopyKey(Path.Combine(_dir.Path, "shared"));
        MakeOrigin();
        _vars["key"] = Secure(Sandbox.ApiKey);
        _vars["cfg"] = Config(_origin);
    }

    public void Dispose()
    {
        _host.Dispose();
        _dir.Dispose();
    }

    private string Config(string repoUrl, string name = "camp.env") =>
        SshCamp.Config(_dir, _ssh.Sandbox!, Path.Combine(_dir.Path, "shared"), SshCamp.CourseRepo(repoUrl), "(alpha bravo charlie)", name);

    private void MakeOrigin() => GitRepo.MakeOrigin(_origin, Path.Combine(_dir.Path, "seed"));

    private static string Git(string cwd, params string[] args) => GitRepo.Git(cwd, args);

    private static SecureString Secure(string text)
    {
        var s = new SecureString();
        foreach (var c in text) s.AppendChar(c);
        return s;
    }

    private HostResult Run(string script) =>
        _host.Run("$config = Import-ArenaConfig $cfg -NoDefault\n$PSDefaultParameterValues = @{ '*-Arena*:Config' = $config; '*-Arena*:ApiKey' = $key }\n" + script, _vars);

    private string PodId(string name) => Run($"(Get-ArenaPod -Name {name}).Id").Output.Cast<string>().Single();
    private string Home(string name) => _ssh.Sandbox!.PodHome(PodId(name));

    [SkippableFact]
    public void Setup_places_the_key_config_repository_and_name_and_a_rerun_changes_nothing_twice()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 2 -Force | Out-Null");

        var first = Run("Get-ArenaPod | Initialize-ArenaPod -Force").Output.OfType<ArenaPodSetupResult>().ToList();
        var second = Run("Get-ArenaPod | Initialize-ArenaPod -Force").Output.OfType<ArenaPodSetupResult>().ToList();

        Assert.Equal(2, first.Count);
        Assert.All(first.Concat(second), r => Assert.True(r.Succeeded, r.Error));
        Assert.All(first, r => Assert.Equal(new[] { "CopyKey", "SshConfig", "Git", "Name" }, r.Done));
        var home = Home("alpha");
        var key = Path.Combine(home, ".ssh", "id_deploy");
        Assert.Equal(File.ReadAllBytes(Path.Combine(_dir.Path, "shared")), File.ReadAllBytes(key));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        var sshConfig = File.ReadAllText(Path.Combine(home, ".ssh", "config"));
        Assert.Equal(1, sshConfig.Split("Host github.com").Length - 1);
        Assert.Contains($"IdentityFile {key}", sshConfig);
        Assert.Equal("course\n", File.ReadAllText(Path.Combine(home, "course", "README.md")));
        Assert.Equal("MACHINE_NAME=alpha\n", File.ReadAllText(Path.Combine(home, ".name")));
    }

    [SkippableFact]
    public void Setup_names_the_step_that_failed_and_skips_what_it_is_told_to()
    {
        var sandbox = _ssh.Require();
        _vars["broken"] = Config(Path.Combine(_dir.Path, "no-such-repo.git"), "broken.env");
        Run("New-ArenaPod -Count 2 -Force | Out-Null");
        sandbox.Sshd(PodId("bravo"), "stop");

        var result = _host.Run("$c = Import-ArenaConfig $broken -NoDefault; Get-ArenaPod -Config $c -ApiKey $key | Initialize-ArenaPod -Config $c -Force -ConnectTimeoutSec 3", _vars);
        var skipped = Run("Initialize-ArenaPod -Name alpha -Skip CopyKey, Git -Force").Output.OfType<ArenaPodSetupResult>().Single();

        var byName = result.Output.OfType<ArenaPodSetupResult>().ToDictionary(r => r.Name);
        Assert.Equal("Git", byName["camp-alpha"].FailedStep);
        Assert.Contains("no-such-repo", byName["camp-alpha"].Error);
        Assert.Equal(new[] { "CopyKey", "SshConfig" }, byName["camp-alpha"].Done);
        Assert.Equal("Connect", byName["camp-bravo"].FailedStep);
        Assert.True(skipped.Succeeded, skipped.Error);
        Assert.Equal(new[] { "SshConfig", "Name" }, skipped.Done);
        Assert.Equal(new[] { "CopyKey", "Git" }, skipped.Skipped);
    }

    [SkippableFact]
    public void Secrets_set_twice_leave_one_line_with_the_new_value_and_never_show_it()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 2 -Force | Out-Null");
        _vars["v1"] = Secure("sk-first-VALUE");
        _vars["v2"] = Secure("sk-second-'quoted'-VALUE");

        var first = Run("Set-ArenaPodSecret -Name * -VariableName OPENAI_API_KEY -Value $v1 -Force -Verbose");
        var second = Run("Set-ArenaPodSecret -Name * -VariableName OPENAI_API_KEY -Value $v2 -Force -Verbose");

        Assert.All(first.Output.Concat(second.Output).OfType<ArenaPodSecretResult>(), r => Assert.True(r.Succeeded, r.Error));
        foreach (var file in new[] { ".bashrc", ".zshrc" })
        {
            var lines = File.ReadAllLines(Path.Combine(Home("bravo"), file)).Where(l => l.StartsWith("export OPENAI_API_KEY=")).ToList();
            Assert.Equal(new[] { "export OPENAI_API_KEY='sk-second-'\\''quoted'\\''-VALUE'" }, lines);
        }
        var everything = string.Join("\n", first.Verbose.Concat(second.Verbose).Concat(first.Output.Concat(second.Output).Select(o => o?.ToString())));
        Assert.DoesNotContain("VALUE", everything);
        var echoed = Run("Invoke-ArenaPodCommand -Name alpha -Command 'bash -c \". ~/.bashrc; printf %s \\\"$OPENAI_API_KEY\\\"\"'").Output.OfType<ArenaCommandResult>().Single();
        Assert.Equal("sk-second-'quoted'-VALUE", echoed.StdOut);
    }

    [SkippableFact]
    public void Secrets_from_a_csv_match_pod_or_machine_names_and_bad_rows_are_reported_by_line()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 3 -Force | Out-Null");
        _vars["csv"] = _dir.Write("keys.csv", "host,key\nalpha,key-a\ncamp-bravo,key-b\nbroken-row\nnobody,key-x\n");

        var result = Run("Set-ArenaPodSecret -VariableName ANTHROPIC_API_KEY -CsvPath $csv -Force");

        Assert.Equal(new[] { "camp-alpha", "camp-bravo" }, result.Output.OfType<ArenaPodSecretResult>().Select(r => r.Name).OrderBy(n => n));
        Assert.Contains(result.Warnings, w => w.Contains("line 4") && w.Contains("host,key"));
        Assert.Contains(result.Warnings, w => w.Contains("line 5") && w.Contains("'nobody' matches no chosen pod"));
        Assert.Contains("export ANTHROPIC_API_KEY='key-b'", File.ReadAllText(Path.Combine(Home("bravo"), ".bashrc")));
        Assert.False(File.Exists(Path.Combine(Home("charlie"), ".bashrc")));
    }

    [SkippableFact]
    public void Save_pushes_the_work_to_a_branch_of_its_own_and_then_has_nothing_to_commit()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null; Initialize-ArenaPod -Name * -Force | Out-Null");
        File.WriteAllText(Path.Combine(Home("alpha"), "course", "solution.py"), "print('done')\n");

        var first = Run("Save-ArenaPodWork -Name * -Label w1d2 -Force").Output.OfType<ArenaPodSaveResult>().Single();
        var second = Run("Save-ArenaPodWork -Name * -Label w1d2 -Force").Output.OfType<ArenaPodSaveResult>().Single();

        Assert.Equal(ArenaSaveStatus.Pushed, first.Status);
        Assert.Equal("autocommit-camp-w1d2-alpha", first.Branch);
        Assert.Equal(first.Commit, Git(_dir.Path, "--git-dir", _origin, "rev-parse", "autocommit-camp-w1d2-alpha").Trim());
        Assert.Equal("print('done')\n", Git(_dir.Path, "--git-dir", _origin, "show", "autocommit-camp-w1d2-alpha:solution.py"));
        Assert.Contains("ARENA-autocommit", Git(_dir.Path, "--git-dir", _origin, "log", "-1", "--format=%an", "autocommit-camp-w1d2-alpha"));
        Assert.Equal(ArenaSaveStatus.NothingToCommit, second.Status);
        Assert.True(second.Succeeded);
    }

    [SkippableFact]
    public void Save_reports_a_missing_repository_as_the_failing_step()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        var result = Run("Save-ArenaPodWork -Name * -Label w1d2 -Force").Output.OfType<ArenaPodSaveResult>().Single();
        Assert.Equal(ArenaSaveStatus.Failed, result.Status);
        Assert.Equal("Repository", result.FailedStep);
        Assert.Contains("no repository at ~/course", result.Error);
    }

    [SkippableFact]
    public void Backup_downloads_the_home_leaves_out_hidden_folders_and_big_files_and_then_only_what_changed()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        var home = Home("alpha");
        Directory.CreateDirectory(Path.Combine(home, "work", "nested"));
        Directory.CreateDirectory(Path.Combine(home, ".cache"));
        Directory.CreateDirectory(Path.Combine(home, "env", "site-packages"));
        File.WriteAllText(Path.Combine(home, "work", "nested", "notes.txt"), "notes");
        File.WriteAllText(Path.Combine(home, ".hidden-file"), "kept");
        File.WriteAllText(Path.Combine(home, ".cache", "junk"), "left out");
        File.WriteAllText(Path.Combine(home, "env", "site-packages", "lib.py"), "left out");
        File.WriteAllBytes(Path.Combine(home, "weights.bin"), new byte[2 * 1024 * 1024]);
        var old = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(Path.Combine(home, "work", "nested", "notes.txt"), old);
        _vars["dest"] = Path.Combine(_dir.Path, "backup");

        var first = Run("Backup-ArenaPod -Label week1 -Destination $dest -MaxFileSizeMB 1").Output.OfType<ArenaPodBackupResult>().Single();
        var local = Path.Combine(_dir.Path, "backup", "week1", "camp-alpha");
        var notes = Path.Combine(local, "work", "nested", "notes.txt");
        Assert.Equal("notes", File.ReadAllText(notes));
        Assert.Equal(old, File.GetLastWriteTimeUtc(notes));
        var second = Run("Backup-ArenaPod -Label week1 -Destination $dest -MaxFileSizeMB 1").Output.OfType<ArenaPodBackupResult>().Single();
        File.WriteAllText(Path.Combine(home, "work", "nested", "notes.txt"), "notes, edited");
        var third = Run("Backup-ArenaPod -Label week1 -Destination $dest -MaxFileSizeMB 1").Output.OfType<ArenaPodBackupResult>().Single();

        Assert.True(first.Succeeded, first.Error);
        Assert.True(File.Exists(Path.Combine(local, ".hidden-file")));
        Assert.False(Directory.Exists(Path.Combine(local, ".cache")));
        Assert.False(Directory.Exists(Path.Combine(local, "env", "site-packages")));
        Assert.False(File.Exists(Path.Combine(local, "weights.bin")));
        Assert.Equal(new[] { "weights.bin" }, first.SkippedFiles);
        Assert.Equal(first.Files, first.Downloaded);
        Assert.Equal(0, second.Downloaded);
        Assert.Equal(first.Files, second.Unchanged);
        Assert.Equal(1, third.Downloaded);
        Assert.Equal("notes, edited", File.ReadAllText(Path.Combine(local, "work", "nested", "notes.txt")));
        Assert.Empty(Directory.GetFiles(local, ".arena-*.part", SearchOption.AllDirectories));
    }

    [SkippableFact]
    public void Gpu_status_comes_per_gpu_and_a_pod_that_does_not_answer_is_shown_as_such()
    {
        var sandbox = _ssh.Require();
        Run("New-ArenaPod -Count 2 -Force | Out-Null");
        sandbox.Sshd(PodId("bravo"), "stop");

        var statuses = Run("Get-ArenaPod | Get-ArenaPodGpu -ConnectTimeoutSec 3").Output.OfType<ArenaGpuStatus>().OrderBy(s => s.Name).ToList();

        Assert.Equal(2, statuses.Count);
        Assert.Equal("A4000", statuses[0].Model);
        Assert.Equal(37, statuses[0].UtilizationPercent);
        Assert.Equal(1.2, statuses[0].MemoryUsedGB);
        Assert.Equal(16.0, statuses[0].MemoryTotalGB);
        Assert.False(statuses[1].Responding);
        Assert.Contains("Cannot connect", statuses[1].Error);
    }

    [SkippableFact]
    public void Watch_stops_cleanly_when_the_pipeline_is_stopped()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        var (wasRunning, stopTook, state) = PowerShellHost.StopAfter(
            $"$c = Import-ArenaConfig '{_vars["cfg"]}' -NoDefault; Get-ArenaPodGpu -Config $c -ApiKey (ConvertTo-SecureString '{Sandbox.ApiKey}' -AsPlainText -Force) -Watch -IntervalSec 0.5",
            TimeSpan.FromSeconds(2));

        Assert.True(wasRunning, "-Watch ended by itself");
        Assert.True(stopTook < TimeSpan.FromSeconds(3), $"stopping took {stopTook}");
        Assert.Equal(PSInvocationState.Stopped, state);
    }

    [SkippableFact]
    public void Watch_keeps_one_session_a_pod_and_shows_a_dropped_pod_as_reconnecting()
    {
        var sandbox = _ssh.Require();
        Run("New-ArenaPod -Count 2 -Force | Out-Null");
        var alpha = PodId("alpha");
        var bravo = PodId("bravo");
        var loginsBefore = (Alpha: sandbox.Logins(alpha), Bravo: sandbox.Logins(bravo));
        var host = new PromptingHost();
        using var session = new PowerShellHost(host);
        using var ps = session.Prepare($"$c = Import-ArenaConfig '{_vars["cfg"]}' -NoDefault; Get-ArenaPodGpu -Config $c -ApiKey (ConvertTo-SecureString '{Sandbox.ApiKey}' -AsPlainText -Force) -Watch -IntervalSec 0.5 -ConnectTimeoutSec 5 -Verbose");
        var refreshes = new System.Collections.Concurrent.ConcurrentQueue<string>();
        ps.Streams.Verbose.DataAdded += (_, e) =>
        {
            var message = ps.Streams.Verbose[e.Index].Message;
            if (message.StartsWith("Refresh ", StringComparison.Ordinal)) refreshes.Enqueue(message);
        };
        var running = ps.BeginInvoke();
        try
        {
            if (!WaitFor(() => refreshes.Count >= 4 || running.IsCompleted, TimeSpan.FromSeconds(60)) || running.IsCompleted)
            {
                // An open PSDataCollection's enumerator waits for more: read the errors by index.
                var errors = Enumerable.Range(0, ps.Streams.Error.Count).Select(i => ps.Streams.Error[i].ToString());
                Assert.Fail("four refreshes did not come: " + string.Join(" | ", errors) + "\n" + host.Written);
            }
            // Four refreshes, one login a pod: the sessions were kept.
            Assert.Equal(loginsBefore.Alpha + 1, sandbox.Logins(alpha));
            Assert.Equal(loginsBefore.Bravo + 1, sandbox.Logins(bravo));
            Assert.All(refreshes.Skip(1).Take(3), r => Assert.EndsWith(", 0 new connections.", r));

            sandbox.Sshd(bravo, "drop");
            Assert.True(WaitFor(() => System.Text.RegularExpressions.Regex.IsMatch(host.Written, @"camp-bravo +- reconnecting\.\.\."), TimeSpan.FromSeconds(30)),
                "the dropped pod was not shown as reconnecting:\n" + host.Written);
            var shownSoFar = host.Written.Length;
            // Then it is back on a new session, and alpha's session was never touched.
            Assert.True(WaitFor(() => System.Text.RegularExpressions.Regex.IsMatch(host.Written.Substring(shownSoFar), @"camp-bravo +0 A4000"), TimeSpan.FromSeconds(30)),
                "the dropped pod did not come back:\n" + host.Written.Substring(shownSoFar));
            Assert.Equal(loginsBefore.Bravo + 2, sandbox.Logins(bravo));
            Assert.Equal(loginsBefore.Alpha + 1, sandbox.Logins(alpha));
        }
        finally
        {
            ps.Stop();
            running.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(10));
        }
        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
        Assert.DoesNotContain("no answer", host.Written);
    }

    private static bool WaitFor(Func<bool> condition, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout) return false;
            Thread.Sleep(100);
        }
        return true;
    }
}
