using System.Diagnostics;
using System.Security;
using ArenaInfra.Access;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// Roster mode attacked: a participant with root on their pod plants markers in its authorized_keys, and
/// a roster row takes a name the module keeps for itself. Each runs as the attack against real sshd pods.
/// </summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RosterAttackTests : IClassFixture<SshSandbox>, IDisposable
{
    private readonly SshSandbox _ssh;
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars = new();

    public RosterAttackTests(SshSandbox ssh)
    {
        _ssh = ssh;
        if (ssh.SkipReason != null) return;
        ssh.Sandbox!.Reset();
        SshCamp.CopyKey(Organiser);
        _vars["key"] = CampFleet.Secure(Sandbox.ApiKey);
        _vars["roster"] = Path.Combine(_dir.Path, "roster.csv");
        WriteRoster("participant,email,machine", "Ada Lovelace,ada@example.org,alpha", "Bob Byte,bob@example.org,alpha");
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

    private string Home(string name) => _ssh.Sandbox!.PodHome(Run($"(Get-ArenaPod -Name {name}).Id").Output.Cast<string>().Single());

    private Dictionary<string, ArenaPodAccessResult> Sync(out HostResult run)
    {
        run = Run("Sync-ArenaPodAccess -Name * -Force");
        return run.Output.OfType<ArenaPodAccessResult>().ToDictionary(r => r.Name);
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
    public void An_empty_marker_pair_planted_above_the_block_does_not_keep_a_moved_participant_in()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 2 -Force | Out-Null; New-ArenaParticipantKey | Out-Null");
        Sync(out _);
        var bobKey = Path.Combine(Keys, "bob-byte");
        Assert.True(SshWith(bobKey, "alpha"));
        // Bob, root on alpha, plants an empty pair of markers above the real block, and a key of his own below it.
        var file = Path.Combine(Home("alpha"), ".ssh", "authorized_keys");
        var planted = File.ReadAllText(CreateSpareKey());
        File.WriteAllText(file, AuthorizedKeysBlock.Begin + "\n" + AuthorizedKeysBlock.End + "\n" + File.ReadAllText(file) + planted);

        // Bob moves to bravo.
        WriteRoster("participant,email,machine", "Ada Lovelace,ada@example.org,alpha", "Bob Byte,bob@example.org,bravo");
        var moved = Sync(out var run);

        var text = File.ReadAllText(file);
        Assert.True(moved["camp-alpha"].Changed);
        Assert.Equal(new[] { "bob-byte" }, moved["camp-alpha"].Removed);
        Assert.Equal(1, text.Split(AuthorizedKeysBlock.Begin).Length - 1);
        Assert.Equal(1, text.Split(AuthorizedKeysBlock.End).Length - 1);
        Assert.DoesNotContain("arena:bob-byte", text);
        Assert.False(SshWith(bobKey, "alpha"));
        Assert.True(SshWith(bobKey, "bravo"));
        // The key he put outside the block is not the module's to remove, but it is named.
        var unmanaged = Assert.Single(moved["camp-alpha"].UnmanagedKeys);
        Assert.StartsWith("ssh-ed25519 SHA256:", unmanaged);
        Assert.EndsWith("bob-spare", unmanaged);
        Assert.Empty(moved["camp-bravo"].UnmanagedKeys);
        Assert.Contains(run.Warnings, w => w.StartsWith("camp-alpha: 1 key(s) outside") && w.Contains("bob-spare"));
        // And a second sync finds nothing left to do.
        Assert.All(Sync(out _).Values, r => Assert.False(r.Changed));
    }

    /// <summary>A key pair of Bob's own, made by ssh-keygen; returns its authorized_keys line.</summary>
    private string CreateSpareKey()
    {
        var path = Path.Combine(_dir.Path, "bob-spare");
        var info = new ProcessStartInfo("ssh-keygen") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-q", "-t", "ed25519", "-N", "", "-C", "bob-spare", "-f", path }) info.ArgumentList.Add(arg);
        using var keygen = Process.Start(info)!;
        keygen.WaitForExit();
        return path + ".pub";
    }

    [SkippableFact]
    public void A_participant_named_Organiser_is_refused_and_never_gets_the_organisers_id_or_key_file()
    {
        _ssh.Require();
        WriteRoster("participant,email,machine", "Ada Lovelace,ada@example.org,alpha", "Organiser,evil@example.org,alpha", "ORGANIZER,evil2@example.org,bravo");

        var imported = Run("Import-ArenaRoster");
        var keys = Run("New-ArenaParticipantKey").Output.OfType<ArenaParticipantKey>().ToList();

        Assert.Equal(new[] { "ada-lovelace" }, imported.Output.OfType<ArenaParticipant>().Select(p => p.Id));
        Assert.Contains(imported.Warnings, w => w.Contains("line 3") && w.Contains("organiser") && w.Contains("skipped"));
        Assert.Contains(imported.Warnings, w => w.Contains("line 4") && w.Contains("organizer") && w.Contains("skipped"));
        Assert.Equal(new[] { "ada-lovelace" }, keys.Select(k => k.Id));
        Assert.False(File.Exists(Path.Combine(Keys, "organiser")));
        Assert.False(File.Exists(Path.Combine(Keys, "organizer")));
        Assert.All(Access.Roster.ReservedIds, id => Assert.Equal(id, Access.Roster.IdOf(id)));
    }
}
