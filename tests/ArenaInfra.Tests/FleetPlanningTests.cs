using ArenaInfra.Config;
using ArenaInfra.Pods.Create;
using ArenaInfra.Ssh;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

public sealed class FleetPlanningTests
{
    private static ArenaConfig Config() =>
        ConfigLoader.Defaults().With("Prefix", "camp", ArenaConfigSource.Default)
            .With("MachineNames", new[] { "alpha", "bravo", "charlie", "delta" }, ArenaConfigSource.Default);

    private static HashSet<string> Existing(params string[] names) => new(names, StringComparer.Ordinal);

    [Fact]
    public void Count_takes_the_first_names_and_skips_pods_that_exist()
    {
        var plan = PodNamePlanner.FirstOfList(Config(), 3, Existing("camp-bravo", "other-alpha"));
        Assert.Equal(new[] { "camp-alpha", "camp-charlie" }, plan.ToCreate.Select(p => p.PodName));
        Assert.Equal(new[] { "camp-bravo" }, plan.Existing);
    }

    [Fact]
    public void Count_beyond_the_list_is_refused()
    {
        var error = Assert.Throws<ArenaException>(() => PodNamePlanner.FirstOfList(Config(), 5, Existing()));
        Assert.Contains("MachineNames has names (4)", error.Message);
    }

    [Fact]
    public void Add_takes_the_next_unused_names()
    {
        var plan = PodNamePlanner.NextUnused(Config(), 2, Existing("camp-alpha", "camp-charlie"));
        Assert.Equal(new[] { "camp-bravo", "camp-delta" }, plan.ToCreate.Select(p => p.PodName));
        Assert.Equal(new[] { "bravo", "delta" }, plan.ToCreate.Select(p => p.MachineName));
        Assert.Throws<ArenaException>(() => PodNamePlanner.NextUnused(Config(), 3, Existing("camp-alpha", "camp-charlie")));
    }

    [Fact]
    public void Names_may_be_machine_or_pod_names_and_outside_the_list_with_a_warning()
    {
        var plan = PodNamePlanner.Named(Config(), new[] { "alpha", "camp-bravo", "zulu", "alpha", "Bad_Name", "delta" }, Existing("camp-delta"));

        Assert.Equal(new[] { "camp-alpha", "camp-bravo", "camp-zulu" }, plan.ToCreate.Select(p => p.PodName));
        Assert.Equal(new[] { "camp-delta" }, plan.Existing);
        Assert.Contains(plan.Warnings, w => w.Contains("'zulu' is not in MachineNames"));
        var (error, name) = Assert.Single(plan.Errors);
        Assert.Equal("InvalidPodName", error.ErrorId);
        Assert.Equal("Bad_Name", name);
    }

    [Theory]
    [InlineData("test_ed25519", "ssh-ed25519 ")]
    [InlineData("test_rsa", "ssh-rsa ")]
    [InlineData("test_ed25519_encrypted", "ssh-ed25519 ")]
    public void A_missing_pub_is_derived_from_an_OpenSSH_private_key_without_its_passphrase(string key, string type)
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, key);
        File.Copy(RepoPaths.Fixture("keys/" + key), path);
        var expected = string.Join(' ', File.ReadAllText(RepoPaths.Fixture("keys/" + key + ".pub")).Split(' ').Take(2));

        var log = new RecordingLog();
        var derived = PublicKeyReader.Read(path, log);

        Assert.StartsWith(type, derived);
        Assert.Equal(expected, derived);
        Assert.Contains(log.Lines, l => l.Contains(".pub' is missing"));
    }

    [Fact]
    public void The_pub_beside_the_key_is_used_as_it_is()
    {
        var path = RepoPaths.Fixture("keys/test_ed25519");
        Assert.Equal(File.ReadAllText(path + ".pub").Trim(), PublicKeyReader.Read(path, new RecordingLog()));
    }

    [Fact]
    public void No_key_at_all_is_SshKeyNotFound_with_the_ssh_keygen_advice()
    {
        var error = Assert.Throws<ArenaException>(() => PublicKeyReader.Read("/nonexistent/key", new RecordingLog()));
        Assert.Equal("SshKeyNotFound", error.ErrorId);
        Assert.Contains("ssh-keygen", error.RecommendedAction);
    }

    [Fact]
    public void A_pem_key_without_pub_is_SshKeyNotFound_not_a_guess()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "pem");
        File.Copy(RepoPaths.Fixture("keys/test_rsa_pem"), path);
        var error = Assert.Throws<ArenaException>(() => PublicKeyReader.Read(path, new RecordingLog()));
        Assert.Equal("SshKeyNotFound", error.ErrorId);
        Assert.Contains("ssh-keygen -y -f", error.RecommendedAction);
    }
}
