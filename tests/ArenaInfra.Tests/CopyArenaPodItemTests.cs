using System.Security;
using System.Security.Cryptography;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>Copy-ArenaPodItem against sandbox pods that are real sshd processes: what lands is checked by hash, and nothing goes through a link.</summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
public sealed class CopyArenaPodItemTests : IClassFixture<SshSandbox>, IDisposable
{
    private readonly SshSandbox _ssh;
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars = new();
    private const string Origin = "https://example.invalid/org/course-2026.git";

    public CopyArenaPodItemTests(SshSandbox ssh)
    {
        _ssh = ssh;
        if (ssh.SkipReason != null) return;
        ssh.Sandbox!.Reset();
        var key = SshCamp.CopyKey(Path.Combine(_dir.Path, "shared"));
        var secure = new SecureString();
        foreach (var c in Sandbox.ApiKey) secure.AppendChar(c);
        _vars["key"] = secure;
        _vars["cfg"] = SshCamp.Config(_dir, ssh.Sandbox!, key, SshCamp.CourseRepo(Origin));
        _vars["dir"] = _dir.Path;
    }

    public void Dispose()
    {
        _host.Dispose();
        _dir.Dispose();
    }

    private HostResult Run(string script) =>
        _host.Run("$config = Import-ArenaConfig $cfg -NoDefault\n$PSDefaultParameterValues = @{ '*-Arena*:Config' = $config; '*-Arena*:ApiKey' = $key }\n" + script, _vars);

    private string Home(string name) =>
        _ssh.Sandbox!.PodHome(Run($"(Get-ArenaPod -Name {name}).Id").Output.Cast<string>().Single());

    private static string Sha(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))).ToLowerInvariant();

    private List<ArenaCopyResult> Copy(string arguments) => Run("Copy-ArenaPodItem " + arguments).Output.OfType<ArenaCopyResult>().OrderBy(r => r.Name).ToList();

    [SkippableFact]
    public void A_file_and_a_folder_reach_two_pods_verified_an_identical_rerun_writes_nothing_and_a_different_file_needs_Overwrite()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 2 -Force | Out-Null");
        var file = _dir.Write("data.csv", "a,b\n1,2\n");
        var folder = Path.Combine(_dir.Path, "notes");
        Directory.CreateDirectory(Path.Combine(folder, "day1"));
        File.WriteAllText(Path.Combine(folder, "readme.md"), "hello\n");
        File.WriteAllBytes(Path.Combine(folder, "day1", "blob.bin"), Enumerable.Range(0, 70000).Select(i => (byte)(i * 7)).ToArray());

        var files = Copy($"-Name * -Path '{file}' -Destination ~/in/data.csv -Force");
        var folders = Copy($"-Name * -Path '{folder}' -Destination ~/in/notes -Force");

        Assert.Equal(new[] { "camp-alpha", "camp-bravo" }, files.Select(r => r.Name));
        Assert.All(files.Concat(folders), r => { Assert.True(r.Succeeded, r.Error); Assert.True(r.Verified); });
        Assert.All(files, r => { Assert.Equal(1, r.Files); Assert.Equal(8, r.Bytes); Assert.EndsWith("/in/data.csv", r.Destination); });
        Assert.All(folders, r => { Assert.Equal(2, r.Files); Assert.Equal(70006, r.Bytes); });
        foreach (var pod in new[] { "alpha", "bravo" })
        {
            var home = Home(pod);
            Assert.Equal(Sha(file), Sha(Path.Combine(home, "in", "data.csv")));
            Assert.Equal(Sha(Path.Combine(folder, "day1", "blob.bin")), Sha(Path.Combine(home, "in", "notes", "day1", "blob.bin")));
            Assert.Equal("hello\n", File.ReadAllText(Path.Combine(home, "in", "notes", "readme.md")));
            Assert.Empty(Directory.GetFiles(Path.Combine(home, "in"), ".arena-*", SearchOption.AllDirectories));
        }

        var again = Copy($"-Name alpha -Path '{file}' -Destination ~/in/data.csv -Force").Single();
        Assert.True(again.Succeeded, again.Error);
        Assert.Equal(ArenaCopyFileStatus.Unchanged, again.Items.Single().Status);
        Assert.Equal(0, again.Bytes);

        File.WriteAllText(Path.Combine(Home("alpha"), "in", "data.csv"), "participant's own\n");
        var refused = Copy($"-Name alpha -Path '{file}' -Destination ~/in/data.csv -Force").Single();
        Assert.False(refused.Succeeded);
        Assert.Equal("CopyDestinationExists", refused.ErrorId);
        Assert.False(refused.Verified);
        Assert.Equal("participant's own\n", File.ReadAllText(Path.Combine(Home("alpha"), "in", "data.csv")));
        var replaced = Copy($"-Name alpha -Path '{file}' -Destination ~/in/data.csv -Overwrite -Force").Single();
        Assert.True(replaced.Succeeded, replaced.Error);
        Assert.Equal("a,b\n1,2\n", File.ReadAllText(Path.Combine(Home("alpha"), "in", "data.csv")));
    }

    [SkippableFact]
    public void The_default_destination_is_the_same_path_under_the_course_repo_and_outside_a_checkout_there_is_none()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        // A clone under another folder name: its origin is the config's repo URL.
        var clone = Path.Combine(_dir.Path, "my-clone");
        Directory.CreateDirectory(Path.Combine(clone, ".git"));
        File.WriteAllText(Path.Combine(clone, ".git", "config"), $"[core]\n\tbare = false\n[remote \"origin\"]\n\turl = {Origin}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n");
        Directory.CreateDirectory(Path.Combine(clone, "week2"));
        var file = Path.Combine(clone, "week2", "task.md");
        File.WriteAllText(file, "# task\n");
        var outside = _dir.Write("loose.txt", "x");

        var result = Copy($"-Name alpha -Path '{file}' -Force").Single();
        var none = Run($"try {{ Copy-ArenaPodItem -Name alpha -Path '{outside}' -Force }} catch {{ $_ }}");

        Assert.True(result.Succeeded, result.Error);
        Assert.EndsWith("/course/week2/task.md", result.Destination);
        Assert.Equal("# task\n", File.ReadAllText(Path.Combine(Home("alpha"), "course", "week2", "task.md")));
        Assert.Equal("CopyDestinationRequired", none.CaughtErrorId);
        Assert.Contains("-Destination", none.Caught.ErrorDetails.RecommendedAction);
    }

    [SkippableFact]
    public void A_link_planted_at_the_destination_or_a_folder_above_it_is_refused_and_nothing_is_written_where_it_points()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        var home = Home("alpha");
        var elsewhere = Path.Combine(_dir.Path, "etc");
        Directory.CreateDirectory(elsewhere);
        File.WriteAllText(Path.Combine(elsewhere, "passwd"), "root:x\n");
        Directory.CreateDirectory(Path.Combine(home, "in"));
        File.CreateSymbolicLink(Path.Combine(home, "in", "passwd"), Path.Combine(elsewhere, "passwd"));
        Directory.CreateSymbolicLink(Path.Combine(home, "up"), elsewhere);
        var file = _dir.Write("evil.txt", "owned\n");

        var atFile = Copy($"-Name alpha -Path '{file}' -Destination ~/in/passwd -Overwrite -Force").Single();
        var atParent = Copy($"-Name alpha -Path '{file}' -Destination ~/up/new/passwd -Overwrite -Force").Single();

        Assert.Equal("CopyPathIsLink", atFile.ErrorId);
        Assert.Equal("CopyPathIsLink", atParent.ErrorId);
        Assert.False(atFile.Verified);
        Assert.Equal("root:x\n", File.ReadAllText(Path.Combine(elsewhere, "passwd")));
        Assert.Equal(new[] { "passwd" }, Directory.GetFileSystemEntries(elsewhere).Select(Path.GetFileName));
        Assert.Empty(Directory.GetFiles(Path.Combine(home, "in"), ".arena-*"));
    }

    [SkippableFact]
    public void A_pod_whose_sha256sum_does_not_match_is_not_verified_and_the_file_is_not_put_in_place()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        var home = Home("alpha");
        var bin = Path.Combine(Path.GetDirectoryName(home)!, "bin");
        Directory.CreateDirectory(bin);
        var liar = Path.Combine(bin, "sha256sum");
        File.WriteAllText(liar, "#!/bin/sh\ncat >/dev/null\necho 0000000000000000000000000000000000000000000000000000000000000000  -\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(liar, (UnixFileMode)0x1ED);
        var file = _dir.Write("data.csv", "a,b\n");

        var result = Copy($"-Name alpha -Path '{file}' -Destination ~/in/data.csv -Force").Single();

        File.Delete(liar);
        Assert.False(result.Succeeded);
        Assert.False(result.Verified);
        Assert.Equal("CopyNotVerified", result.ErrorId);
        Assert.Equal(ArenaCopyFileStatus.NotVerified, result.Items.Single().Status);
        Assert.Equal(0, result.Files);
        Assert.False(File.Exists(Path.Combine(home, "in", "data.csv")));
        Assert.Empty(Directory.GetFiles(Path.Combine(home, "in"), ".arena-*"));
    }

    [SkippableFact]
    public void A_hostile_destination_or_a_source_over_the_cap_is_refused_before_any_pod_is_contacted()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        var file = _dir.Write("data.csv", "a,b\n");
        var big = Path.Combine(_dir.Path, "big.bin");
        File.WriteAllBytes(big, new byte[1024 * 1024 + 1]);

        var ids = new[] { "~/../../etc/passwd", "relative/path", "~/a/./b", "/tmp/x\u001b[2J" }
            .Select(d => Run($"try {{ Copy-ArenaPodItem -Name alpha -Path '{file}' -Destination \"{d}\" -Force }} catch {{ $_ }}").CaughtErrorId).ToList();
        var tooBig = Run($"try {{ Copy-ArenaPodItem -Name alpha -Path '{big}' -Destination ~/big.bin -MaxSizeMB 1 -Force }} catch {{ $_ }}");

        Assert.All(ids, id => Assert.Equal("CopyDestinationInvalid", id));
        Assert.Equal("CopyTooLarge", tooBig.CaughtErrorId);
        Assert.False(File.Exists(Path.Combine(Home("alpha"), "big.bin")));
        Assert.False(Directory.Exists(Path.Combine(Home("alpha"), "a")));
    }
}
