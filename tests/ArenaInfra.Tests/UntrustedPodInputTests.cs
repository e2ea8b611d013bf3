using System.Diagnostics;
using System.Management.Automation;
using System.Text.Json;
using ArenaInfra.Access;
using ArenaInfra.Backup;
using ArenaInfra.Common;
using ArenaInfra.Config;
using ArenaInfra.Operations;
using ArenaInfra.Pods;
using ArenaInfra.Proxy;
using ArenaInfra.RunPod;
using ArenaInfra.Ssh;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// Attacks from a pod's side (its participants have root): file names, nesting, output and host keys
/// it controls, against real sshd pods. Each asserts the safe outcome.
/// </summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
public sealed class UntrustedPodInputTests : IClassFixture<SshSandbox>, IDisposable
{
    private readonly SshSandbox _ssh;
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars = new();

    public UntrustedPodInputTests(SshSandbox ssh)
    {
        _ssh = ssh;
        if (ssh.SkipReason != null) return;
        ssh.Sandbox!.Reset();
        _vars["key"] = CampFleet.Secure(Sandbox.ApiKey);
        _vars["cfg"] = SshCamp.Config(_dir, ssh.Sandbox, SshCamp.CopyKey(Path.Combine(_dir.Path, "shared")));
        _vars["dest"] = Path.Combine(_dir.Path, "backup");
    }

    public void Dispose()
    {
        _host.Dispose();
        _dir.Dispose();
    }

    private HostResult Run(string script) =>
        _host.Run("$config = Import-ArenaConfig $cfg -NoDefault\n$PSDefaultParameterValues = @{ '*-Arena*:Config' = $config; '*-Arena*:ApiKey' = $key }\n" + script, _vars);

    private string Home(string name) => _ssh.Sandbox!.PodHome(Run($"(Get-ArenaPod -Name {name}).Id").Output.Cast<string>().Single());

    [SkippableFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Backup_keeps_going_past_names_no_disk_can_keep_and_endless_nesting_and_stays_inside_its_folder()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        var home = Home("alpha");
        File.WriteAllText(Path.Combine(home, "good.txt"), "kept");
        File.WriteAllText(Path.Combine(home, "back\\slash"), "a name with a path separator on Windows");
        File.WriteAllText(Path.Combine(home, "colon:name"), "a drive on Windows");
        File.WriteAllText(Path.Combine(home, new string('n', 250)), "a long but legal name");
        var deep = home;
        for (var i = 0; i < 40; i++) deep = Path.Combine(deep, "d");
        Directory.CreateDirectory(deep);
        File.WriteAllText(Path.Combine(deep, "bottom.txt"), "too deep");
        var secret = Path.Combine(home, "keys.env");
        File.WriteAllText(secret, "OPENAI_API_KEY=sk-x");
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var result = Run("Backup-ArenaPod -Label w1 -Destination $dest").Output.OfType<ArenaPodBackupResult>().Single();

        Assert.True(result.Succeeded, result.Error);
        var local = Path.Combine(_dir.Path, "backup", "w1", "camp-alpha");
        Assert.Equal("kept", File.ReadAllText(Path.Combine(local, "good.txt")));
        Assert.True(File.Exists(Path.Combine(local, new string('n', 250))));
        Assert.Contains(result.Skipped, s => s.Path == "back\\slash" && s.Reason.Contains("path separator"));
        Assert.Contains(result.Skipped, s => s.Path == "colon:name");
        Assert.Contains(result.Skipped, s => s.Reason.Contains("nested deeper than"));
        Assert.False(File.Exists(Path.Combine(deep.Replace(home, local), "bottom.txt")));
        // Never more open than on the pod, and the backup folders are the owner's only.
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(local, "keys.env")) & (UnixFileMode)0x1FF);
        Assert.Equal((UnixFileMode)0, File.GetUnixFileMode(local) & (UnixFileMode)0x3F);
        Assert.DoesNotContain(Directory.GetFiles(_dir.Path, "*", SearchOption.AllDirectories), f => !f.StartsWith(Path.Combine(_dir.Path, "backup")) && !f.StartsWith(_dir.Path + "/shared") && !f.EndsWith("camp.env"));
    }

    [SkippableFact]
    public void A_pod_named_to_climb_out_of_the_backup_folder_is_refused_before_anything_is_written()
    {
        var sandbox = _ssh.Require();
        var id = sandbox.SeedPod(JsonSerializer.Serialize(new { name = "camp-x/../../../../../../tmp/arena-escape", desiredStatus = "RUNNING", env = new[] { "PUBLIC_KEY=" + File.ReadAllText(Path.Combine(_dir.Path, "shared.pub")).Trim() } }));

        var result = Run("Backup-ArenaPod -Name * -Label w1 -Destination $dest").Output.OfType<ArenaPodBackupResult>().Single();

        Assert.False(result.Succeeded);
        Assert.Equal("InvalidPodName", result.ErrorId);
        Assert.False(Directory.Exists("/tmp/arena-escape"));
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, "backup", "w1", "camp-x")));
        Assert.NotNull(id);
    }

    [SkippableFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_pod_whose_SFTP_server_stalls_ends_at_the_backup_deadline_and_the_other_pods_are_backed_up()
    {
        var sandbox = _ssh.Require();
        Run("New-ArenaPod -Count 2 -Force | Out-Null; Get-ArenaPod | Wait-ArenaPod -TimeoutSec 120 | Out-Null");
        File.WriteAllText(Path.Combine(Home("bravo"), "work.txt"), "bravo's work");
        // No GNU tar on alpha, so its backup goes over SFTP, and its SFTP server stalls.
        var tar = Path.Combine(Path.GetDirectoryName(Home("alpha"))!, "bin", "tar");
        File.WriteAllText(tar, "#!/bin/sh\nexit 127\n");
        File.SetUnixFileMode(tar, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        sandbox.Sshd(Run("(Get-ArenaPod -Name alpha).Id").Output.Cast<string>().Single(), "stallsftp");
        var clock = Stopwatch.StartNew();

        var results = Run("Backup-ArenaPod -Label w1 -Destination $dest -TimeoutSec 5").Output.OfType<ArenaPodBackupResult>().ToDictionary(r => r.Name);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        Assert.False(results["camp-alpha"].Succeeded);
        Assert.True(results["camp-bravo"].Succeeded, results["camp-bravo"].Error);
        Assert.Equal("bravo's work", File.ReadAllText(Path.Combine(_dir.Path, "backup", "w1", "camp-bravo", "work.txt")));
    }

    [SkippableFact]
    public void A_pod_that_prints_without_end_costs_bounded_memory_and_says_what_was_cut()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");

        var result = Run("Invoke-ArenaPodCommand -Name alpha -Command 'head -c 60000000 /dev/zero | tr \"\\0\" x; echo; echo the-end'").Output.OfType<ArenaCommandResult>().Single();

        Assert.Equal(0, result.ExitCode);
        Assert.True(result.StdOut.Length < CappedOutput.HeadBytes + CappedOutput.TailBytes + 200, $"kept {result.StdOut.Length} characters");
        Assert.Contains("bytes of output cut", result.StdOut);
        Assert.EndsWith("the-end\n", result.StdOut);
    }

    [SkippableFact]
    public void An_impostor_on_a_later_SFTP_connection_is_refused_as_the_first_would_be()
    {
        var sandbox = _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null; Get-ArenaPod | Wait-ArenaPod -TimeoutSec 120 | Out-Null");
        var options = new RunPodClientOptions(new Uri(sandbox.Url + "/"), Sandbox.ApiKey, "ArenaInfra/test");
        var api = RunPodApiFactory.Create("rest", options, new PodMapper(new FleetNaming("camp"), new ProxyPortPlan(16000, new[] { "alpha" })));
        var pod = api.ListPodsAsync(CancellationToken.None).GetAwaiter().GetResult().Single();
        var settings = new SshSettings(SshKey.Load(Path.Combine(_dir.Path, "shared"), null), HostKeyStore.Open(), new RecordingLog()) { HostKeyPolicy = ArenaHostKeyPolicy.AcceptNew };
        using var connection = SshPodConnection.Open(SshTarget.Direct(pod, Environment.UserName)!, settings, CancellationToken.None);
        Assert.Equal(0, connection.Run("true", TimeSpan.FromSeconds(10), CancellationToken.None).ExitCode);

        // Another machine answers the same address now, with another host key, and the pod has not restarted.
        sandbox.Sshd(pod.Id, "rekey");

        var refused = Assert.Throws<SshStageException>(() => connection.OpenSftp(TimeSpan.FromSeconds(10), CancellationToken.None));
        Assert.Equal(ArenaTestStage.HostKey, refused.Stage);
        Assert.Equal("HostKeyMismatch", refused.ErrorId);
        var upload = Assert.Throws<SshStageException>(() => connection.Upload(new MemoryStream(new byte[] { 1 }), "/tmp/arena-deploy-key", 600, CancellationToken.None));
        Assert.Equal(ArenaTestStage.HostKey, upload.Stage);
        settings.Key.Dispose();
    }
}
