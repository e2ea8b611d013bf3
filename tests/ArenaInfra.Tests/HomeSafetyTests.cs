using System.Security.Cryptography;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// The demo and the tests run sandbox pods that are folders and processes of this machine, as the user
/// running them. Their set-up writes a deploy key to a pod path (the default GIT_SSH_KEY_REMOTE is
/// /root/.ssh/id_ed25519): run as root, that must never be root's own key.
/// </summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class HomeSafetyTests : IClassFixture<SshSandbox>, IDisposable
{
    private readonly SshSandbox _ssh;
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars = new();

    public HomeSafetyTests(SshSandbox ssh)
    {
        _ssh = ssh;
        if (ssh.SkipReason != null) return;
        ssh.Sandbox!.Reset();
        _vars["key"] = CampFleet.Secure(Sandbox.ApiKey);
    }

    public void Dispose()
    {
        _host.Dispose();
        _dir.Dispose();
    }

    /// <summary>Every file under the user's ~/.ssh with a hash of its bytes and its time (empty when there is none): a rewrite with the same bytes counts too.</summary>
    private static Dictionary<string, string> Snapshot(string folder)
    {
        if (!Directory.Exists(folder)) return new();
        return Directory.GetFiles(folder, "*", SearchOption.AllDirectories)
            .ToDictionary(f => f, f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))) + " " + File.GetLastWriteTimeUtc(f).Ticks);
    }

    /// <summary>The demo's config as Demo.ps1 writes it for a run: demo/config.env, its throwaway key, the pods' user, and what the demo adds.</summary>
    private string DemoConfig()
    {
        File.Copy(RepoPaths.Fixture("keys/test_ed25519"), Path.Combine(_dir.Path, "test_ed25519"));
        File.Copy(RepoPaths.Fixture("keys/test_ed25519.pub"), Path.Combine(_dir.Path, "test_ed25519.pub"));
        var demo = File.ReadAllText(Path.Combine(RepoPaths.Root, "demo", "Demo.ps1"));
        var lines = File.ReadAllLines(Path.Combine(RepoPaths.Root, "demo", "config.env"))
            .Select(l => l.StartsWith("SHARED_SSH_KEY_PATH=", StringComparison.Ordinal) ? $"SHARED_SSH_KEY_PATH=\"{_dir.Path}/test_ed25519\"" : l)
            .Append($"SSH_USER={Environment.UserName}")
            // The lines Demo.ps1 appends as literals ('KEY=value'), so that this test runs what the demo runs.
            .Concat(System.Text.RegularExpressions.Regex.Matches(demo, @"\+ '([A-Z_]+=[^']*)'").Select(m => m.Groups[1].Value))
            .Append($"RUNPOD_API_BASE_URL={_ssh.Sandbox!.Url}")
            .Append("RUNPOD_API_MAX_RPS=0");
        return _dir.Write("config.env", string.Join("\n", lines) + "\n");
    }

    /// <summary>A config as the tests write them, GIT_SSH_KEY_REMOTE left at its default (/root/.ssh/id_ed25519).</summary>
    private string TestConfig()
    {
        File.Copy(RepoPaths.Fixture("keys/test_ed25519"), Path.Combine(_dir.Path, "test_ed25519"));
        File.Copy(RepoPaths.Fixture("keys/test_ed25519.pub"), Path.Combine(_dir.Path, "test_ed25519.pub"));
        return _dir.Write("config.env", string.Join("\n",
            $"RUNPOD_API_BASE_URL={_ssh.Sandbox!.Url}",
            $"SHARED_SSH_KEY_PATH={Path.Combine(_dir.Path, "test_ed25519")}",
            $"SSH_USER={Environment.UserName}",
            "MACHINE_NAME_PREFIX=camp",
            "MACHINE_NAME_LIST=(alpha bravo)",
            "RUNPOD_API_MAX_RPS=0",
            "VSCODE_PREINSTALL=false",
            ""));
    }

    [SkippableFact]
    public void The_demos_set_up_writes_the_deploy_key_into_the_pods_home_and_never_into_the_users()
    {
        _ssh.Require();
        SetUpLeavesTheHomeAlone(DemoConfig());
    }

    [SkippableFact]
    public void A_tests_set_up_as_root_with_the_default_remote_key_path_writes_into_the_pods_home()
    {
        _ssh.Require();
        // /root/.ssh/id_ed25519 is root's only: another user's run cannot write there at all.
        Skip.If(Environment.UserName != "root", "only a run as root could write the default remote key path");
        SetUpLeavesTheHomeAlone(TestConfig());
    }

    private void SetUpLeavesTheHomeAlone(string config)
    {
        var sandbox = _ssh.Sandbox!;
        _vars["cfg"] = config;
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var ssh = Path.Combine(home, ".ssh");
        var sshExisted = Directory.Exists(ssh);
        var before = Snapshot(ssh);
        var saved = before.Keys.ToDictionary(f => f, File.ReadAllBytes);
        try
        {
            var run = _host.Run("$config = Import-ArenaConfig $cfg -NoDefault\n$PSDefaultParameterValues = @{ '*-Arena*:Config' = $config; '*-Arena*:ApiKey' = $key }\n" +
                // The set-up as the demo's replacement and the tests' Repair-ArenaPod run it on a new pod: without Git.
                "New-ArenaPod -Count 1 -Force | Out-Null; Get-ArenaPod | Wait-ArenaPod -TimeoutSec 120 | Out-Null; Initialize-ArenaPod -Name alpha -Skip Git -Force", _vars);
            var setup = Assert.Single(run.Output.OfType<ArenaPodSetupResult>());
            var podId = _host.Run("(Get-ArenaPod -Name alpha -Config (Import-ArenaConfig $cfg -NoDefault) -ApiKey $key).Id", _vars).Output.Cast<string>().Single();

            Assert.True(setup.Succeeded, setup.Error);
            Assert.Contains("CopyKey", setup.Done);
            Assert.Equal(before, Snapshot(ssh));
            Assert.Equal(sshExisted, Directory.Exists(ssh));
            // The key went where the pod's own home is.
            Assert.Equal(File.ReadAllBytes(Path.Combine(_dir.Path, "test_ed25519")), File.ReadAllBytes(Path.Combine(sandbox.PodHome(podId), ".ssh", "id_ed25519")));
        }
        finally
        {
            // Should the run have written there after all, the user's home is put back as it was.
            foreach (var (file, hash) in Snapshot(ssh))
            {
                if (!saved.TryGetValue(file, out var bytes)) File.Delete(file);
                else if (hash != before[file]) File.WriteAllBytes(file, bytes);
            }
            if (!sshExisted && Directory.Exists(ssh) && !Directory.EnumerateFileSystemEntries(ssh, "*", SearchOption.AllDirectories).Any(File.Exists)) Directory.Delete(ssh, recursive: true);
        }
    }
}
