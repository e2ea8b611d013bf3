using System.IO.Compression;
using ArenaInfra.Access;
using ArenaInfra.Config;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// Export-ArenaParticipantKit's kits: each built once and written once. A second export of the same kit
/// writes no file again (their old times survive), and the zip is the build itself, not the folder read back.
/// </summary>
public sealed class ParticipantKitBuilderTests : IDisposable
{
    private static readonly DateTime Old = new(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc);
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private ArenaConfig Config(string? proxyHost = "proxy.example.org")
    {
        var config = ConfigLoader.Defaults()
            .With("Prefix", "camp", ArenaConfigSource.Default)
            .With("MachineNames", new[] { "alpha", "bravo" }, ArenaConfigSource.Default)
            .With("SharedKeyPath", _dir.Write("shared", "SHARED KEY\n"), ArenaConfigSource.Default);
        return proxyHost == null ? config : config.With("ProxyHost", proxyHost, ArenaConfigSource.Default);
    }

    private static string Kit(string folder, string file) => Path.Combine(folder, file);

    private static string? Write(ParticipantKitBuilder kits, bool force = false, bool zip = false) =>
        kits.Write(kits.Kits.Single(), Array.Empty<ArenaPod>(), force, zip, _ => { }, _ => { });

    [Fact]
    public void The_shared_kit_is_the_config_the_installers_the_readme_and_the_shared_key()
    {
        var folder = Path.Combine(_dir.Path, "kit");
        var kits = ParticipantKitBuilder.Shared(Config(), folder);

        var built = kits.Build(kits.Kits.Single(), Array.Empty<ArenaPod>(), _ => { }, _ => { });

        Assert.Equal(folder, built.Folder);
        Assert.Equal(new[] { "camp.conf", "install.sh", "install.ps1", "README.md" }, built.Texts.Keys);
        Assert.All(built.Texts.Values, text => Assert.DoesNotContain("\r\n", text));
        Assert.Contains("\nHost camp-bravo\n    Port 16001\n", built.Texts["camp.conf"]);
        Assert.Contains("ssh camp-alpha", built.Texts["README.md"]);
        Assert.Equal("camp_key", built.KeyName);
        Assert.Equal("SHARED KEY\n"u8.ToArray(), built.Key);
        Assert.False(kits.NeedsPods);
        Assert.Equal($"Write the camp participant kit, with the shared private key, to '{folder}'", kits.Action);
    }

    [Fact]
    public void Without_the_shared_key_there_is_no_kit_to_make()
    {
        var config = Config().With("SharedKeyPath", Path.Combine(_dir.Path, "missing"), ArenaConfigSource.Default);

        var error = Assert.Throws<ArenaException>(() => ParticipantKitBuilder.Shared(config, _dir.Path));

        Assert.Equal(ArenaErrorIds.SshKeyNotFound, error.ErrorId);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_second_export_of_the_same_kit_writes_no_file_again_but_keeps_the_key_the_owners_alone()
    {
        var folder = Path.Combine(_dir.Path, "kit");
        var kits = ParticipantKitBuilder.Shared(Config(), folder);
        Write(kits);
        var files = Directory.GetFiles(folder);
        foreach (var file in files) File.SetLastWriteTimeUtc(file, Old);
        File.SetUnixFileMode(Kit(folder, "camp_key"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

        Write(kits);
        Write(kits, force: true);

        Assert.Equal(5, files.Length);
        Assert.All(files, file => Assert.Equal(Old, File.GetLastWriteTimeUtc(file)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Kit(folder, "camp_key")));
        Assert.Equal("SHARED KEY\n", File.ReadAllText(Kit(folder, "camp_key")));
    }

    [Fact]
    public void Another_key_in_the_folder_is_kept_without_force_and_replaced_with_it()
    {
        var folder = Path.Combine(_dir.Path, "kit");
        var kits = ParticipantKitBuilder.Shared(Config(), folder);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Kit(folder, "camp_key"), "SOMEONE ELSE\n");

        var error = Assert.Throws<ArenaException>(() => Write(kits));
        Assert.Equal(ArenaErrorIds.OutputFileExists, error.ErrorId);
        Assert.Equal("SOMEONE ELSE\n", File.ReadAllText(Kit(folder, "camp_key")));

        Write(kits, force: true);
        Assert.Equal("SHARED KEY\n", File.ReadAllText(Kit(folder, "camp_key")));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void The_zip_holds_exactly_the_built_kit_owner_only_and_needs_force_to_be_replaced()
    {
        var folder = Path.Combine(_dir.Path, "kit");
        var kits = ParticipantKitBuilder.Shared(Config(), folder);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Kit(folder, "notes.txt"), "not part of the kit");

        var zip = Write(kits, zip: true);

        Assert.Equal(folder + ".zip", zip);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(zip!));
        using (var archive = ZipFile.OpenRead(zip!))
        {
            Assert.Equal(new[] { "camp.conf", "install.sh", "install.ps1", "README.md", "camp_key" }, archive.Entries.Select(e => e.FullName));
            foreach (var entry in archive.Entries)
            {
                using var reader = new StreamReader(entry.Open());
                Assert.Equal(File.ReadAllText(Kit(folder, entry.FullName)), reader.ReadToEnd());
                Assert.Equal(Convert.ToInt32("100600", 8), (int)((uint)entry.ExternalAttributes >> 16));
            }
        }
        var error = Assert.Throws<ArenaException>(() => Write(kits, zip: true));
        Assert.Equal(ArenaErrorIds.OutputFileExists, error.ErrorId);
        Assert.Equal(zip, Write(kits, force: true, zip: true));
    }

    [Fact]
    public void In_roster_mode_each_participant_with_a_key_gets_a_kit_naming_their_machine_only()
    {
        var roster = _dir.Write("roster.csv", "participant,email,machine\nAda Lovelace,,alpha\nCy Cipher,,bravo\nNo Key,,alpha\n");
        var keys = Path.Combine(_dir.Path, "keys");
        var config = Config().With("ParticipantKeyFolder", keys, ArenaConfigSource.Default).With("SharedKeyPath", RepoPaths.Fixture("keys/test_ed25519"), ArenaConfigSource.Default);
        var store = new ParticipantKeys(keys);
        foreach (var participant in Roster.Read(roster, config.MachineNames, new List<string>()).Where(p => p.Id != "no-key")) store.Ensure(participant);
        var folder = Path.Combine(_dir.Path, "kits");

        var kits = ParticipantKitBuilder.ForRoster(config, RosterAccess.Load(config, roster, new RecordingLog()), folder);
        foreach (var kit in kits.Kits) kits.Write(kit, Array.Empty<ArenaPod>(), false, false, _ => { }, _ => { });

        Assert.Equal(new[] { Path.Combine(folder, "ada-lovelace"), Path.Combine(folder, "cy-cipher") }, kits.Kits.Select(k => k.Folder));
        Assert.Equal($"Write a kit for each of 2 participant(s), each with their own private key, to '{folder}'", kits.Action);
        var cy = File.ReadAllText(Path.Combine(folder, "cy-cipher", "camp.conf"));
        Assert.Contains("Host camp-bravo", cy);
        Assert.DoesNotContain("Host camp-alpha", cy);
        Assert.Contains("ssh camp-bravo", File.ReadAllText(Path.Combine(folder, "cy-cipher", "README.md")));
        Assert.Equal(File.ReadAllText(Path.Combine(keys, "cy-cipher")), File.ReadAllText(Path.Combine(folder, "cy-cipher", "camp_key")));
        Assert.Equal(File.ReadAllText(Path.Combine(keys, "ada-lovelace")), File.ReadAllText(Path.Combine(folder, "ada-lovelace", "camp_key")));
        Assert.Equal("Cy Cipher's kit could not be written to '" + kits.Kits[1].Folder + "': disk full", kits.Kits[1].WriteFailed(new IOException("disk full")).Message);
    }
}
