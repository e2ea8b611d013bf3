using System.Diagnostics;
using System.Security;
using ArenaInfra.Access;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// Roster mode against real sshd pods: each participant their own key, each pod trusting exactly the
/// organiser and the people the roster puts on it; moves, removals and replacements follow a sync,
/// and Test-ArenaPod -AsRoster proves it with every participant's key against every pod.
/// </summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RosterTests : IClassFixture<SshSandbox>, IDisposable
{
    private readonly SshSandbox _ssh;
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars = new();

    public RosterTests(SshSandbox ssh)
    {
        _ssh = ssh;
        if (ssh.SkipReason != null) return;
        ssh.Sandbox!.Reset();
        SshCamp.CopyKey(Organiser);
        _vars["key"] = CampFleet.Secure(Sandbox.ApiKey);
        WriteRoster("participant,email,machine", "Ada Lovelace,ada@example.org,alpha", "Bob Byte,bob@example.org,alpha", "Cy Cipher,cy@example.org,bravo");
        _vars["cfg"] = SshCamp.Config(_dir, ssh.Sandbox, Organiser, new[]
        {
            $"ARENA_ROSTER={Path.Combine(_dir.Path, "roster.csv")}",
            $"ARENA_PARTICIPANT_KEYS={Keys}",
        });
    }

    public void Dispose()
    {
        _host.Dispose();
        _dir.Dispose();
    }

    private string Organiser => Path.Combine(_dir.Path, "organiser");
    private string Keys => Path.Combine(_dir.Path, "participant-keys");

    private void WriteRoster(params string[] lines) => File.WriteAllText(Path.Combine(_dir.Path, "roster.csv"), string.Join("\n", lines) + "\n");

    private HostResult Run(string script) =>
        _host.Run("$config = Import-ArenaConfig $cfg -NoDefault\n$PSDefaultParameterValues = @{ '*-Arena*:Config' = $config; '*-Arena*:ApiKey' = $key }\n" + script, _vars);

    private string PodId(string name) => Run($"(Get-ArenaPod -Name {name}).Id").Output.Cast<string>().Single();
    private string Home(string name) => _ssh.Sandbox!.PodHome(PodId(name));

    private Dictionary<string, ArenaPodAccessResult> Sync() =>
        Run("Sync-ArenaPodAccess -Name * -Force").Output.OfType<ArenaPodAccessResult>().ToDictionary(r => r.Name);

    /// <summary>Who reaches which pod, as "id@machine" for each check that got in.</summary>
    private (List<string> Reached, List<ArenaRosterAccessResult> All) Matrix()
    {
        var all = Run("Test-ArenaPod -AsRoster -Command true -ConnectTimeoutSec 5").Output.OfType<ArenaRosterAccessResult>().ToList();
        return (all.Where(r => r.Reached).Select(r => $"{r.Id}@{r.MachineName}").OrderBy(s => s).ToList(), all);
    }

    /// <summary>The real ssh client with one key against one pod: true when it got in.</summary>
    private bool SshWith(string keyPath, string pod)
    {
        var endpoint = Run($"$p = Get-ArenaPod -Name {pod}; '{{0}} {{1}}' -f $p.PublicIp, $p.SshPort").Output.Cast<string>().Single().Split(' ');
        var info = new ProcessStartInfo("ssh") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "-i", keyPath, "-p", endpoint[1], "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5", $"{Environment.UserName}@{endpoint[0]}", "true" }) info.ArgumentList.Add(arg);
        using var ssh = Process.Start(info)!;
        ssh.StandardOutput.ReadToEnd();
        ssh.StandardError.ReadToEnd();
        Assert.True(ssh.WaitForExit(20000));
        return ssh.ExitCode == 0;
    }

    [SkippableFact]
    public void Keys_are_made_once_in_OpenSSH_format_that_ssh_keygen_reads_owner_only_and_never_overwritten()
    {
        _ssh.Require();

        var first = Run("New-ArenaParticipantKey").Output.OfType<ArenaParticipantKey>().ToList();
        var before = File.ReadAllText(Path.Combine(Keys, "ada-lovelace"));
        var second = Run("New-ArenaParticipantKey").Output.OfType<ArenaParticipantKey>().ToList();

        Assert.Equal(new[] { "ada-lovelace", "bob-byte", "cy-cipher" }, first.Select(k => k.Id));
        Assert.All(first, k => Assert.True(k.Created));
        Assert.All(second, k => Assert.False(k.Created));
        Assert.Equal(before, File.ReadAllText(Path.Combine(Keys, "ada-lovelace")));
        var ada = first[0];
        Assert.StartsWith("-----BEGIN OPENSSH PRIVATE KEY-----", before);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ada.PrivateKeyPath) & (UnixFileMode)0x1FF);
        Assert.Equal((UnixFileMode)0, File.GetUnixFileMode(Keys) & (UnixFileMode)0x3F);
        // ssh-keygen derives the same public key from the private one: the file is a real OpenSSH key.
        var info = new ProcessStartInfo("ssh-keygen") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-y", "-f", ada.PrivateKeyPath }) info.ArgumentList.Add(arg);
        using var keygen = Process.Start(info)!;
        var derived = keygen.StandardOutput.ReadToEnd().Trim();
        keygen.WaitForExit();
        Assert.Equal(0, keygen.ExitCode);
        Assert.Equal(string.Join(' ', ada.PublicKey.Split(' ').Take(2)), string.Join(' ', derived.Split(' ').Take(2)));
        Assert.EndsWith("arena:ada-lovelace", ada.PublicKey);
    }

    [SkippableFact]
    public void Three_participants_on_two_machines_reach_their_own_pod_only_and_a_resync_changes_nothing()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 2 -Force | Out-Null; New-ArenaParticipantKey | Out-Null");
        // A line someone else put there: a sync leaves it alone.
        var alphaKeys = Path.Combine(Home("alpha"), ".ssh", "authorized_keys");
        Directory.CreateDirectory(Path.GetDirectoryName(alphaKeys)!);
        File.WriteAllText(alphaKeys, "# the pod's own line\n");
        var closed = Matrix();

        var first = Sync();
        var open = Matrix();
        var again = Sync();

        // Before the sync a pod is closed to everyone but the organiser.
        Assert.Empty(closed.Reached);
        Assert.Equal(6, closed.All.Count);
        Assert.Equal(new[] { "ada-lovelace", "bob-byte" }, first["camp-alpha"].Added);
        Assert.Equal(new[] { "cy-cipher" }, first["camp-bravo"].Added);
        Assert.Equal(new[] { "ada-lovelace@alpha", "bob-byte@alpha", "cy-cipher@bravo" }, open.Reached);
        Assert.DoesNotContain(open.All, r => r.Hole);
        Assert.All(open.All.Where(r => !r.Assigned), r => Assert.Equal(ArenaTestStage.Authenticate, r.Stage));
        Assert.All(again.Values, r => Assert.False(r.Changed));
        Assert.All(again.Values, r => Assert.Empty(r.Added));
        var text = File.ReadAllText(alphaKeys);
        Assert.StartsWith("# the pod's own line\n", text);
        Assert.Equal(1, text.Split(AuthorizedKeysBlock.Begin).Length - 1);
        Assert.Contains("arena:organiser", text);
        Assert.DoesNotContain("arena:cy-cipher", text);
        // The organiser still gets in everywhere.
        Assert.All(Run("Test-ArenaPod -Command true").Output.OfType<ArenaPodTestResult>(), r => Assert.True(r.Passed, r.Error));
    }

    [SkippableFact]
    public void A_pair_that_moves_and_a_participant_who_leaves_change_access_at_the_next_sync()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 2 -Force | Out-Null; New-ArenaParticipantKey | Out-Null");
        Sync();
        var cyKey = Path.Combine(Keys, "cy-cipher");
        Assert.True(SshWith(cyKey, "bravo"));

        // Bob moves to bravo; Cy leaves the program.
        WriteRoster("participant,email,machine", "Ada Lovelace,ada@example.org,alpha", "Bob Byte,bob@example.org,bravo");
        var changed = Sync();
        var after = Matrix();

        Assert.Equal(new[] { "bob-byte" }, changed["camp-alpha"].Removed);
        Assert.Equal(new[] { "bob-byte" }, changed["camp-bravo"].Added);
        Assert.Equal(new[] { "cy-cipher" }, changed["camp-bravo"].Removed);
        Assert.Equal(new[] { "ada-lovelace@alpha", "bob-byte@bravo" }, after.Reached);
        Assert.DoesNotContain(after.All, r => r.Hole);
        Assert.False(SshWith(cyKey, "bravo"));
        Assert.False(SshWith(cyKey, "alpha"));
        Assert.False(SshWith(Path.Combine(Keys, "bob-byte"), "alpha"));
    }

    [SkippableFact]
    public void A_replaced_pod_trusts_its_people_again_as_part_of_the_replacement()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 2 -Force | Out-Null; New-ArenaParticipantKey | Out-Null");
        Sync();

        var repaired = Run("Repair-ArenaPod -Name alpha -SkipSetup Git -TestCommand true -Force").Output.OfType<ArenaPodRepairResult>().Single();
        var matrix = Matrix();

        Assert.True(repaired.Succeeded, repaired.Error);
        Assert.Contains(repaired.Steps, s => s.Step == "Access" && s.Succeeded && s.Detail.Contains("ada-lovelace"));
        Assert.Equal(new[] { "ada-lovelace@alpha", "bob-byte@alpha", "cy-cipher@bravo" }, matrix.Reached);
        Assert.DoesNotContain(matrix.All, r => r.Hole);
    }

    [SkippableFact]
    public void Each_participant_gets_a_kit_with_only_their_key_that_installs_and_reaches_their_pod_only()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 2 -Force | Out-Null; Get-ArenaPod | Wait-ArenaPod -TimeoutSec 120 | Out-Null; New-ArenaParticipantKey | Out-Null");
        Sync();
        _vars["kits"] = Path.Combine(_dir.Path, "kits");

        var written = Run("Export-ArenaParticipantKit -Path $kits").Output.OfType<DirectoryInfo>().Select(d => d.Name).ToList();

        Assert.Equal(new[] { "ada-lovelace", "bob-byte", "cy-cipher" }, written);
        var organiserKey = File.ReadAllText(Organiser);
        foreach (var id in written)
        {
            var kit = Path.Combine(_dir.Path, "kits", id);
            var files = Directory.GetFiles(kit).Select(f => File.ReadAllText(f)).ToList();
            // Their own key, and nobody else's: not the shared one, not another participant's.
            Assert.Contains(File.ReadAllText(Path.Combine(Keys, id)), files);
            Assert.DoesNotContain(organiserKey, files);
            foreach (var other in written.Where(o => o != id)) Assert.DoesNotContain(File.ReadAllText(Path.Combine(Keys, other)), files);
        }
        // Cy installs the kit in a home of their own and reaches bravo, and only bravo.
        var home = Directory.CreateDirectory(Path.Combine(_dir.Path, "cy-home")).FullName;
        var install = new ProcessStartInfo("sh") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        install.ArgumentList.Add(Path.Combine(_dir.Path, "kits", "cy-cipher", "install.sh"));
        install.Environment["HOME"] = home;
        using (var sh = Process.Start(install)!)
        {
            var said = sh.StandardError.ReadToEnd() + sh.StandardOutput.ReadToEnd();
            sh.WaitForExit();
            Assert.True(sh.ExitCode == 0, said);
        }
        var config = File.ReadAllText(Path.Combine(home, ".ssh", "arena", "camp.conf"));
        Assert.Contains("Host camp-bravo", config);
        Assert.DoesNotContain("Host camp-alpha", config);
        Assert.True(SshThroughKit(home, "camp-bravo"));
        Assert.False(SshThroughKit(home, "camp-alpha"));

        // Ada installs hers with install.ps1: ssh -G names her own key for her machine, and she reaches alpha only.
        var adaHome = Directory.CreateDirectory(Path.Combine(_dir.Path, "ada-home")).FullName;
        var ps1 = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoPaths.Root };
        foreach (var arg in new[] { "exec", PwshDll(), "-NoProfile", "-NonInteractive", "-File", Path.Combine(_dir.Path, "kits", "ada-lovelace", "install.ps1") }) ps1.ArgumentList.Add(arg);
        ps1.Environment["HOME"] = adaHome;
        using (var pwsh = Process.Start(ps1)!)
        {
            var said = pwsh.StandardError.ReadToEnd() + pwsh.StandardOutput.ReadToEnd();
            pwsh.WaitForExit();
            Assert.True(pwsh.ExitCode == 0, said);
        }
        var g = new ProcessStartInfo("ssh") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-G", "-F", Path.Combine(adaHome, ".ssh", "config"), "camp-alpha" }) g.ArgumentList.Add(arg);
        using (var ssh = Process.Start(g)!)
        {
            var options = ssh.StandardOutput.ReadToEnd();
            ssh.WaitForExit();
            Assert.Contains($"identityfile {Path.Combine(adaHome, ".ssh", "arena", "camp_key")}", options);
        }
        Assert.Equal(File.ReadAllText(Path.Combine(Keys, "ada-lovelace")), File.ReadAllText(Path.Combine(adaHome, ".ssh", "arena", "camp_key")));
        Assert.True(SshThroughKit(adaHome, "camp-alpha"));
        Assert.False(SshThroughKit(adaHome, "camp-bravo"));
    }

    /// <summary>The repository's own pwsh (the dotnet tool), run directly: with HOME pointed elsewhere, 'dotnet pwsh' would not find its tool.</summary>
    internal static string PwshDll()
    {
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        return Directory.GetFiles(Path.Combine(packages, "powershell"), "pwsh.dll", SearchOption.AllDirectories)
            .OrderByDescending(f => f.Contains($"{Path.DirectorySeparatorChar}unix{Path.DirectorySeparatorChar}"))
            .ThenByDescending(f => f, StringComparer.Ordinal).First();
    }

    /// <summary>ssh as the participant would type it, with the config their kit installed (and, for a host not in it, the alpha pod's address).</summary>
    private bool SshThroughKit(string home, string host)
    {
        var endpoint = Run($"$p = Get-ArenaPod -Name {host}; '{{0}} {{1}}' -f $p.PublicIp, $p.SshPort").Output.Cast<string>().Single().Split(' ');
        var info = new ProcessStartInfo("ssh") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "-F", Path.Combine(home, ".ssh", "config"), "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "-o", $"HostName={endpoint[0]}", "-o", $"Port={endpoint[1]}", host, "true" }) info.ArgumentList.Add(arg);
        info.Environment["HOME"] = home;
        using var ssh = Process.Start(info)!;
        ssh.StandardOutput.ReadToEnd();
        ssh.StandardError.ReadToEnd();
        Assert.True(ssh.WaitForExit(20000));
        return ssh.ExitCode == 0;
    }
}
