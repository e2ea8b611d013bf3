using ArenaInfra.Config;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

public sealed class ConfigFileTests
{
    private static readonly string Home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    private static ArenaConfig Load(string path, List<string>? warnings = null) =>
        ConfigLoader.LoadFile(path, ArenaConfigOrigin.File, warnings ?? new List<string>());

    [Fact]
    public void The_old_scripts_sample_reads_with_every_value_and_its_line()
    {
        var path = RepoPaths.Fixture("config.env.sample");
        var warnings = new List<string>();
        var config = Load(path, warnings);

        Assert.Equal("camp", config.Prefix);
        Assert.Equal(Path.Combine(Home, ".ssh/bootcamp_shared_key"), config.SharedKeyPath);
        Assert.Equal("root", config.SshUser);
        Assert.Equal("NVIDIA RTX A4000", config.GpuType); // the comment after the value is not part of it
        Assert.Equal("COMMUNITY", config.CloudType);
        Assert.Equal(1, config.GpuCount);
        Assert.Equal("nickypro/arena-env:6.1", config.Image);
        Assert.Equal(100, config.DiskSizeGB);
        Assert.Equal(0, config.VolumeSizeGB);
        Assert.Equal("proxy.example.org", config.ProxyHost);
        Assert.Equal("root", config.ProxyUser);
        Assert.Equal("~/proxy.conf", config.ProxyConfigPath); // a path on the proxy: not expanded here
        Assert.Equal(16000, config.ProxyStartingPort);
        Assert.Equal("callummcdougall", config.RepoOwner);
        Assert.Equal("ARENA_3.0", config.RepoName);
        Assert.Equal("main", config.DefaultBranch);
        Assert.Equal("/root/.ssh/id_ed25519", config.GitKeyRemotePath);
        Assert.Equal(10, config.ThrottleLimit);
        Assert.Equal("arena-env", config.CondaEnvName);
        Assert.Equal(new[] { "alpha", "bravo", "charlie", "delta", "echo", "foxtrot" }, config.MachineNames);
        Assert.Null(config.ApiKey); // commented out in the sample
        Assert.Equal("https://api.runpod.io", config.ApiBaseUrl);
        Assert.Empty(warnings);

        Assert.Equal(ArenaConfigSource.FromFile(path, 4).ToString(), config.GetSource("Prefix").ToString());
        Assert.Equal(6, config.GetSource("RUNPOD_GPU_TYPE").Line);
        Assert.Equal(27, config.GetSource("MachineNames").Line);
        Assert.Equal(ArenaConfigSourceKind.Default, config.GetSource("ApiBaseUrl").Kind);
    }

    [Fact]
    public void Quotes_bare_values_export_and_one_line_lists_are_read_as_bash_would()
    {
        using var dir = new TempDir();
        var path = dir.Write("config.env", string.Join("\n",
            "export MACHINE_NAME_PREFIX=spring   # bare, exported",
            "SSH_USER='ubuntu' # single quotes",
            "RUNPOD_DOCKER_IMAGE=\"repo/image:1 \\\"x\\\"\"",
            "RUNPOD_CLOUD_TYPE=secure",
            "SHARED_SSH_KEY_PATH=~/keys/k1",
            "MACHINE_NAME_LIST=(one 'two' \"three\") # inline",
            "RUNPOD_GPU_TYPE=\"NVIDIA A40\"\r",
            ""));

        var config = Load(path);

        Assert.Equal("spring", config.Prefix);
        Assert.Equal("ubuntu", config.SshUser);
        Assert.Equal("repo/image:1 \"x\"", config.Image);
        Assert.Equal("SECURE", config.CloudType);
        Assert.Equal(Path.Combine(Home, "keys/k1"), config.SharedKeyPath);
        Assert.Equal(new[] { "one", "two", "three" }, config.MachineNames);
        Assert.Equal("NVIDIA A40", config.GpuType);
    }

    [Fact]
    public void GPU_types_and_clouds_may_be_ordered_lists_and_one_value_is_still_one()
    {
        using var dir = new TempDir();
        var listed = Load(dir.Write("list.env", "RUNPOD_GPU_TYPE=\"NVIDIA RTX A4000, NVIDIA RTX A5000,NVIDIA RTX A4000\"\nRUNPOD_CLOUD_TYPE=\"community, ALL\"\n"));
        var single = Load(dir.Write("one.env", "RUNPOD_GPU_TYPE=\"NVIDIA A40\"\nRUNPOD_CLOUD_TYPE=all\n"));

        Assert.Equal(new[] { "NVIDIA RTX A4000", "NVIDIA RTX A5000" }, listed.GpuTypes);
        Assert.Equal(new[] { "COMMUNITY", "SECURE" }, listed.CloudTypes);
        Assert.Equal(new[] { "NVIDIA A40" }, single.GpuTypes);
        Assert.Equal(new[] { "COMMUNITY", "SECURE" }, single.CloudTypes);
        Assert.Equal("ALL", single.CloudType);
    }

    [Fact]
    public void A_multi_line_list_may_hold_comments_blank_lines_and_several_items_a_line()
    {
        using var dir = new TempDir();
        var path = dir.Write("config.env", "MACHINE_NAME_LIST=(\n  \"a1\" # first\n\n  'b2' c3\n  # a comment\n)\nMAX_PARALLEL=4\n");

        var config = Load(path);

        Assert.Equal(new[] { "a1", "b2", "c3" }, config.MachineNames);
        Assert.Equal(4, config.ThrottleLimit);
        Assert.Equal(7, config.GetSource("ThrottleLimit").Line);
    }

    [Theory]
    [InlineData("just some words", "ConfigParseError", 1, "expected KEY=value")]
    [InlineData("SSH_USER=root\nRUNPOD_GPU_TYPE=\"NVIDIA A40", "ConfigParseError", 2, "no closing")]
    [InlineData("MACHINE_NAME_LIST=(\n \"a\"\n \"b\"\n", "ConfigParseError", 1, "never closed")]
    [InlineData("SSH_USER=root admin", "ConfigParseError", 1, "more than one value")]
    [InlineData("RUNPOD_NUM_GPUS=two", "InvalidConfigValue", 1, "RUNPOD_NUM_GPUS must be a whole number, not 'two'")]
    [InlineData("\nRUNPOD_DISK_SPACE_IN_GB=\"100GB\"", "InvalidConfigValue", 2, "RUNPOD_DISK_SPACE_IN_GB must be a whole number")]
    [InlineData("RUNPOD_NUM_GPUS=0", "InvalidConfigValue", 1, "at least 1")]
    [InlineData("RUNPOD_CLOUD_TYPE=\"CHEAP\"", "InvalidConfigValue", 1, "COMMUNITY, SECURE or ALL (or several, comma-separated, in order), not 'CHEAP'")]
    [InlineData("RUNPOD_CLOUD_TYPE=\"SECURE, CHEAP\"", "InvalidConfigValue", 1, "not 'SECURE, CHEAP'")]
    [InlineData("MACHINE_NAME_LIST=()", "InvalidConfigValue", 1, "is empty")]
    [InlineData("MACHINE_NAME_LIST=(\n\"a\"\n\"\"\n)", "InvalidConfigValue", 1, "an empty machine name")]
    [InlineData("MACHINE_NAME_LIST=(\"apple\" \"pear\" \"apple\")", "InvalidConfigValue", 1, "'apple' more than once")]
    [InlineData("MACHINE_NAME_LIST=(\"good\" \"Not_A_Host\")", "InvalidConfigValue", 1, "'Not_A_Host', which cannot be a host name")]
    [InlineData("MACHINE_NAME_PREFIX=\"my camp\"", "InvalidConfigValue", 1, "cannot be part of a host name")]
    [InlineData("SSH_PROXY_STARTING_PORT=70000", "InvalidConfigValue", 1, "port from 1 to 65535")]
    [InlineData("SSH_PROXY_STARTING_PORT=65530\nMACHINE_NAME_LIST=(a b c d e f g h)", "InvalidConfigValue", 1, "no room for 8 proxy ports")]
    [InlineData("RUNPOD_API_BASE_URL=ftp://example.org", "InvalidConfigValue", 1, "http or https URL")]
    public void A_bad_line_is_an_error_naming_file_line_and_key(string text, string errorId, int line, string fragment)
    {
        using var dir = new TempDir();
        var path = dir.Write("bad.env", text);

        var error = Assert.Throws<ArenaException>(() => Load(path));

        Assert.Equal(errorId, error.ErrorId);
        Assert.Contains($"{path} line {line}:", error.Message);
        Assert.Contains(fragment, error.Message);
        Assert.False(string.IsNullOrEmpty(error.RecommendedAction));
    }

    [Fact]
    public void A_broken_api_key_line_never_echoes_the_key()
    {
        using var dir = new TempDir();
        var path = dir.Write("bad.env", "RUNPOD_API_KEY=rpa_SECRET123 trailing");

        var error = Assert.Throws<ArenaException>(() => Load(path));

        Assert.Equal("ConfigParseError", error.ErrorId);
        Assert.DoesNotContain("SECRET123", error.Message);
    }

    [Fact]
    public void Unknown_keys_and_repeated_keys_are_warnings_with_their_line()
    {
        using var dir = new TempDir();
        var path = dir.Write("config.env", "RUNPOD_TEMPLATE_ID=abc\nSSH_USER=a\nSSH_USER=b\n");
        var warnings = new List<string>();

        var config = Load(path, warnings);

        Assert.Equal("b", config.SshUser);
        Assert.Contains(warnings, w => w.Contains("line 1") && w.Contains("unknown setting 'RUNPOD_TEMPLATE_ID'"));
        Assert.Contains(warnings, w => w.Contains("line 3") && w.Contains("first on line 2"));
    }

    [Fact]
    public void A_misspelt_key_is_told_the_nearest_known_key_in_either_format()
    {
        using var dir = new TempDir();
        var env = dir.Write("config.env", "MACHINE_NAME_PREFX=camp\nSSH_USR=ada\nRUNPOD_TEMPLATE_ID=abc\n");
        var json = dir.Write("fleet.json", "{\n  \"Prefx\": \"camp\",\n  \"SSH_USERR\": \"ada\"\n}");
        var warnings = new List<string>();

        Load(env, warnings);
        Load(json, warnings);

        Assert.Contains(warnings, w => w.Contains("config.env line 1") && w.Contains("unknown setting 'MACHINE_NAME_PREFX'") && w.Contains("Did you mean MACHINE_NAME_PREFIX?"));
        Assert.Contains(warnings, w => w.Contains("config.env line 2") && w.Contains("Did you mean SSH_USER?"));
        // Nothing is near enough to guess at.
        Assert.Contains(warnings, w => w.Contains("unknown setting 'RUNPOD_TEMPLATE_ID' is ignored.") && !w.Contains("Did you mean"));
        // JSON is told in the spelling it uses: the property name, or the config.env key.
        Assert.Contains(warnings, w => w.Contains("fleet.json line 2") && w.Contains("Did you mean Prefix?"));
        Assert.Contains(warnings, w => w.Contains("fleet.json line 3") && w.Contains("Did you mean SSH_USER?"));
    }

    [Fact]
    public void Get_ArenaConfig_ShowSource_shows_a_derived_default_and_what_it_is_derived_from()
    {
        using var dir = new TempDir();
        var path = dir.Write("config.env", "ARENA_REPO_OWNER=acme\nARENA_REPO_NAME=course\n");
        var config = Load(path);

        var settings = ArenaConfigSettings.Of(config).ToDictionary(s => s.Name);

        Assert.Equal("git@github.com:acme/course.git", settings["RepoUrl"].Value);
        Assert.Equal(ArenaConfigSourceKind.Derived, settings["RepoUrl"].Source.Kind);
        Assert.Equal("derived from RepoOwner, RepoName", settings["RepoUrl"].Source.ToString());
        Assert.Equal(config.ParticipantKeyFolder, settings["ParticipantKeyFolder"].Value);
        Assert.StartsWith("derived from the data folder", settings["ParticipantKeyFolder"].Source.ToString());
        // A setting with a default of its own stays "default"; one left empty on purpose stays empty.
        Assert.Equal("default", settings["Prefix"].Source.ToString());
        Assert.Null(settings["ProxyHost"].Value);
    }

    [Fact]
    public void A_missing_file_is_ConfigFileNotFound()
    {
        var error = Assert.Throws<ArenaException>(() => Load("/nonexistent/arena/config.env"));
        Assert.Equal("ConfigFileNotFound", error.ErrorId);
        Assert.Contains("/nonexistent/arena/config.env", error.Message);
    }

    [Fact]
    public void Json_takes_property_names_or_old_keys_with_line_numbers()
    {
        using var dir = new TempDir();
        var path = dir.Write("fleet.json", "{\n  \"Prefix\": \"summer\",\n  \"RUNPOD_NUM_GPUS\": 2,\n  \"MachineNames\": [\"x1\", \"x2\"],\n  \"unknownThing\": true\n}");
        var warnings = new List<string>();

        var config = Load(path, warnings);

        Assert.Equal("summer", config.Prefix);
        Assert.Equal(2, config.GpuCount);
        Assert.Equal(new[] { "x1", "x2" }, config.MachineNames);
        Assert.Equal(4, config.GetSource("MachineNames").Line);
        Assert.Contains(warnings, w => w.Contains("line 5") && w.Contains("unknownThing"));
    }

    [Theory]
    [InlineData("{ \"Prefix\": \"a\",\n  \"GpuCount\": }", "ConfigParseError", 2)]
    [InlineData("{\n \"GpuCount\": \"many\" }", "InvalidConfigValue", 2)]
    [InlineData("{\n \"MachineNames\": [\"a\", 3] }", "ConfigParseError", 2)]
    [InlineData("{\n \"Prefix\": \"a\",\n \"Prefix\": \"b\" }", "ConfigParseError", 3)]
    public void Bad_json_is_an_error_with_its_line(string text, string errorId, int line)
    {
        using var dir = new TempDir();
        var path = dir.Write("fleet.json", text);

        var error = Assert.Throws<ArenaException>(() => Load(path));

        Assert.Equal(errorId, error.ErrorId);
        Assert.Contains($"line {line}:", error.Message);
    }

    [Fact]
    public void The_built_in_defaults_are_the_old_scripts_defaults()
    {
        var config = ConfigLoader.Defaults();

        Assert.Equal("arena", config.Prefix);
        Assert.Equal(55, config.MachineNames.Length);
        Assert.Equal("apple", config.MachineNames[0]);
        Assert.Equal("zebra", config.MachineNames[^1]);
        Assert.Equal(16000, config.ProxyStartingPort);
        // Not the old scripts' 10: the default every SSH command uses, shown as it is used.
        Assert.Equal(32, config.ThrottleLimit);
        Assert.Equal("NVIDIA RTX A4000", config.GpuType);
        Assert.Equal(Path.Combine(Home, ".ssh/shared_infra_key_name"), config.SharedKeyPath);
        Assert.Equal(ArenaConfigOrigin.Defaults, config.Origin);
    }
}
