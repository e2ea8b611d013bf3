using ArenaInfra.Common;
using ArenaInfra.Config;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

public sealed class ConfigPrecedenceTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly FakeEnvironment _env = new();
    private readonly string _userFile;
    private readonly string _envFile;

    public ConfigPrecedenceTests()
    {
        _userFile = _dir.Write("user.env", "MACHINE_NAME_PREFIX=user\nRUNPOD_API_KEY=key-from-user-file\n");
        _envFile = _dir.Write("named.env", "MACHINE_NAME_PREFIX=named\n");
    }

    public void Dispose() => _dir.Dispose();

    private ArenaConfig Resolve(ArenaConfig? explicitConfig = null, ArenaConfig? session = null, string? apiKey = null, string? userFile = null) =>
        new ConfigResolver(_env, userFile ?? _userFile).Resolve(explicitConfig, session, apiKey == null ? null : Secrets.ToSecureString(apiKey), new List<string>());

    private ArenaConfig FileConfig(string prefix) =>
        ConfigLoader.LoadFile(_dir.Write(prefix + ".env", $"MACHINE_NAME_PREFIX={prefix}\n"), ArenaConfigOrigin.File, new List<string>());

    [Fact]
    public void Without_any_file_the_defaults_are_used()
    {
        var config = Resolve(userFile: Path.Combine(_dir.Path, "absent.env"));
        Assert.Equal("arena", config.Prefix);
        Assert.Equal(ArenaConfigOrigin.Defaults, config.Origin);
        Assert.Null(config.ApiKey);
    }

    [Fact]
    public void The_user_file_beats_the_defaults()
    {
        var config = Resolve();
        Assert.Equal("user", config.Prefix);
        Assert.Equal(ArenaConfigOrigin.UserFile, config.Origin);
        Assert.Equal($"{_userFile}:2", config.ApiKeySource);
    }

    [Fact]
    public void The_file_named_by_ARENA_CONFIG_beats_the_user_file()
    {
        _env["ARENA_CONFIG"] = _envFile;
        var config = Resolve();
        Assert.Equal("named", config.Prefix);
        Assert.Equal(ArenaConfigOrigin.EnvironmentFile, config.Origin);
    }

    [Fact]
    public void A_file_named_by_ARENA_CONFIG_that_is_missing_is_an_error_not_a_fallback()
    {
        _env["ARENA_CONFIG"] = Path.Combine(_dir.Path, "gone.env");
        var error = Assert.Throws<ArenaException>(() => Resolve());
        Assert.Equal("ConfigFileNotFound", error.ErrorId);
        // The user did not type this path: say where it came from, and where the settings are explained.
        Assert.Contains("named by $env:ARENA_CONFIG", error.Message);
        Assert.Contains("$env:ARENA_CONFIG", error.RecommendedAction);
        Assert.Contains("about_ArenaInfra_Config", error.RecommendedAction);
    }

    [Fact]
    public void The_session_default_beats_ARENA_CONFIG()
    {
        _env["ARENA_CONFIG"] = _envFile;
        var config = Resolve(session: FileConfig("session"));
        Assert.Equal("session", config.Prefix);
        Assert.Equal(ArenaConfigOrigin.Session, config.Origin);
    }

    [Fact]
    public void An_explicit_config_beats_the_session_default()
    {
        var config = Resolve(explicitConfig: FileConfig("explicit"), session: FileConfig("session"));
        Assert.Equal("explicit", config.Prefix);
        Assert.Equal(ArenaConfigOrigin.Parameter, config.Origin);
    }

    [Fact]
    public void RUNPOD_API_KEY_and_RUNPOD_API_BASE_URL_override_file_values()
    {
        _env["RUNPOD_API_KEY"] = "key-from-env";
        _env["RUNPOD_API_BASE_URL"] = "http://127.0.0.1:9/";
        var config = Resolve();
        Assert.Equal("key-from-env", config.ApiKeyText);
        Assert.Equal("$env:RUNPOD_API_KEY", config.ApiKeySource);
        Assert.Equal("http://127.0.0.1:9", config.ApiBaseUrl);
        Assert.Equal(ArenaConfigSourceKind.EnvironmentVariable, config.GetSource("ApiBaseUrl").Kind);
        Assert.Equal("user", config.Prefix);
    }

    [Fact]
    public void The_ApiKey_parameter_beats_everything()
    {
        _env["RUNPOD_API_KEY"] = "key-from-env";
        var config = Resolve(session: FileConfig("session"), apiKey: "key-from-parameter");
        Assert.Equal("key-from-parameter", config.ApiKeyText);
        Assert.Equal("-ApiKey", config.ApiKeySource);
    }

    [Fact]
    public void A_bad_RUNPOD_API_BASE_URL_is_an_error_naming_the_variable()
    {
        _env["RUNPOD_API_BASE_URL"] = "not a url";
        var error = Assert.Throws<ArenaException>(() => Resolve());
        Assert.Equal("InvalidConfigValue", error.ErrorId);
        Assert.Contains("$env:RUNPOD_API_BASE_URL", error.Message);
    }

    [Fact]
    public void The_key_is_never_in_ToString_or_the_setting_list()
    {
        var config = Resolve(apiKey: "rpa_VERYSECRET");
        Assert.DoesNotContain("VERYSECRET", config.ToString());
        var settings = ArenaConfigSettings.Of(config).ToList();
        Assert.Equal("(set)", settings.Single(s => s.Name == "ApiKey").Value);
        Assert.DoesNotContain(settings, s => (s.Value?.ToString() ?? "").Contains("VERYSECRET"));
        Assert.Equal(ConfigSetting.All.Count, settings.Count);
    }

    private sealed class FakeEnvironment : Dictionary<string, string>, IEnvironmentReader
    {
        public string? Get(string name) => TryGetValue(name, out var value) ? value : null;
    }
}
