using System.Management.Automation;
using System.Security;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>The cmdlets in a hosted runspace against the sandbox.</summary>
[Collection(RunsAloneCollection.Name)]
[Trait("Category", "Sandbox")]
public sealed class GetArenaPodCommandTests : IClassFixture<Sandbox>, IDisposable
{
    private readonly Sandbox _sandbox;
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars;

    public GetArenaPodCommandTests(Sandbox sandbox)
    {
        _sandbox = sandbox;
        _sandbox.Reset();
        Seed("arena-bloom", "RUNNING", withEndpoint: true);
        Seed("arena-apple", "RUNNING", withEndpoint: true);
        Seed("arena-autumn", "RUNNING", withEndpoint: false);
        Seed("arena-cedar", "EXITED", withEndpoint: true);
        Seed("research-apple", "RUNNING", withEndpoint: true);
        var configPath = _dir.Write("config.env", $"RUNPOD_API_BASE_URL={_sandbox.Url}\nMACHINE_NAME_LIST=(apple autumn bloom cedar)\nRUNPOD_API_RETRY_MAX_SEC=5\n");
        _vars = new Dictionary<string, object?> { ["configPath"] = configPath, ["key"] = Secure(Sandbox.ApiKey) };
    }

    public void Dispose()
    {
        _host.Dispose();
        _dir.Dispose();
    }

    private static SecureString Secure(string text)
    {
        var s = new SecureString();
        foreach (var c in text) s.AppendChar(c);
        return s;
    }

    private void Seed(string name, string status, bool withEndpoint)
    {
        var runtime = withEndpoint
            ? @"{""uptimeInSeconds"":60,""ports"":[{""ip"":""127.0.0.1"",""isIpPublic"":true,""privatePort"":22,""publicPort"":2200,""type"":""tcp""}]}"
            : "null";
        _sandbox.SeedPod($@"{{""name"":""{name}"",""desiredStatus"":""{status}"",""costPerHr"":0.17,""gpuCount"":1,""machine"":{{""gpuDisplayName"":""RTX A4000""}},""runtime"":{runtime}}}");
    }

    private HostResult Run(string script) => _host.Run("$cfg = Import-ArenaConfig $configPath -NoDefault\n" + script, _vars);

    [Fact]
    public void The_parallelism_Get_ArenaConfig_shows_is_the_one_SSH_commands_use()
    {
        var shown = Run("(Get-ArenaConfig -Config $cfg).ThrottleLimit").Output.Single();
        var used = Run("Test-ArenaPod -Config $cfg -ApiKey $key -Name cedar -Command true -Verbose").Verbose;
        _vars["four"] = _dir.Write("four.env", File.ReadAllText((string)_vars["configPath"]!) + "\nMAX_PARALLEL=4\n");
        var fromFile = Run("$c = Import-ArenaConfig $four -NoDefault; (Get-ArenaConfig -Config $c).ThrottleLimit; Test-ArenaPod -Config $c -ApiKey $key -Name cedar -Command true -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message");

        Assert.Equal(32, shown);
        Assert.Contains(used, v => v.Contains("at most 32 at once"));
        Assert.Equal(4, fromFile.Output[0]);
        Assert.Contains(fromFile.Output.Skip(1).OfType<string>(), v => v.Contains("at most 4 at once"));
    }

    [Fact]
    public void Where_the_host_does_not_show_RecommendedAction_the_advice_is_in_the_message()
    {
        var concise = Run("try { Get-ArenaPod -Config $cfg -ApiKey $key -Name nosuchpod -ErrorAction Stop } catch { $_ }").Caught;
        // Windows PowerShell 5.1, or PowerShell 7 with $ErrorView NormalView, shows the message alone.
        var normal = Run("$ErrorView = 'NormalView'; try { Get-ArenaPod -Config $cfg -ApiKey $key -Name nosuchpod -ErrorAction Stop } catch { $_ }").Caught;

        var advice = concise.ErrorDetails.RecommendedAction;
        Assert.NotEmpty(advice);
        Assert.DoesNotContain(advice, concise.ErrorDetails.Message);
        Assert.EndsWith(advice, normal.ErrorDetails.Message);
        Assert.StartsWith(concise.ErrorDetails.Message, normal.ErrorDetails.Message);
        Assert.Equal(advice, normal.ErrorDetails.RecommendedAction);
    }

    [Fact]
    public void Without_a_key_it_stops_with_ApiKeyMissing_saying_how_to_set_one()
    {
        var previous = Environment.GetEnvironmentVariable("RUNPOD_API_KEY");
        Environment.SetEnvironmentVariable("RUNPOD_API_KEY", null);
        try
        {
            var result = Run("try { Get-ArenaPod -Config $cfg } catch { $_ }");
            Assert.Equal("ApiKeyMissing", result.CaughtErrorId);
            Assert.Equal(ErrorCategory.AuthenticationError, result.Caught.CategoryInfo.Category);
            Assert.Contains("RUNPOD_API_KEY", result.Caught.ErrorDetails.RecommendedAction);
            // A scheduled task runs as a user of its own: the stored key is in that user's data folder.
            Assert.Contains("Set-ArenaApiKey", result.Caught.ErrorDetails.RecommendedAction);
            Assert.Contains("ARENA_INFRA_DATA", result.Caught.ErrorDetails.RecommendedAction);
            Assert.Empty(_sandbox.Requests());
        }
        finally
        {
            Environment.SetEnvironmentVariable("RUNPOD_API_KEY", previous);
        }
    }

    [Fact]
    public void Api_failures_stop_the_cmdlet_with_their_id_and_the_key_stays_out_of_every_stream()
    {
        _sandbox.AddFault(new { kind = "status", status = 429, count = 100 });

        var result = Run("$DebugPreference = 'Continue'; try { Get-ArenaPod -Config $cfg -ApiKey $key -Verbose } catch { $_ }");

        Assert.Equal("RateLimited", result.CaughtErrorId);
        Assert.Equal(ErrorCategory.LimitsExceeded, result.Caught.CategoryInfo.Category);
        Assert.Contains(result.Verbose, v => v.Contains("HTTP 429; retrying"));
        Assert.Contains(result.Debug, d => d.Contains("RunPod ListPods"));
        var everything = string.Join("\n", result.Verbose.Concat(result.Debug).Concat(result.Warnings)) + result.Caught + result.Caught.ErrorDetails.RecommendedAction;
        Assert.DoesNotContain(Sandbox.ApiKey, everything);
    }

    [Fact]
    public void Import_ArenaConfig_rejects_a_bad_file_and_keeps_the_previous_default()
    {
        var bad = _dir.Write("bad.env", "MACHINE_NAME_PREFIX=good\nRUNPOD_NUM_GPUS=many\n");
        _vars["bad"] = bad;

        var result = _host.Run("Import-ArenaConfig $configPath | Out-Null; Import-ArenaConfig $bad; (Get-ArenaConfig).Path", _vars);

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("InvalidConfigValue,", error.FullyQualifiedErrorId);
        Assert.Contains($"{bad} line 2", error.ToString());
        Assert.Equal(_vars["configPath"], Assert.Single(result.Output));
    }

    [Fact]
    public void Import_ArenaConfig_of_a_missing_file_is_ConfigFileNotFound()
    {
        var result = _host.Run("Import-ArenaConfig ./no-such-config.env");
        Assert.StartsWith("ConfigFileNotFound,", Assert.Single(result.Errors).FullyQualifiedErrorId);
        Assert.Empty(result.Output);
    }

    [Fact]
    public void Get_ArenaConfig_ShowSource_names_file_lines_and_parameters()
    {
        var result = _host.Run("Import-ArenaConfig $configPath | Out-Null; Get-ArenaConfig -ShowSource -ApiKey $key", _vars);

        var settings = result.Output.Cast<ArenaConfigSetting>().ToDictionary(s => s.Name);
        Assert.Equal($"{_vars["configPath"]}:2", settings["MachineNames"].Source.ToString());
        Assert.Equal(ArenaConfigOrigin.Session, settings["MachineNames"].Origin);
        Assert.Equal("-ApiKey", settings["ApiKey"].Source.ToString());
        Assert.Equal("(set)", settings["ApiKey"].Value);
        Assert.Equal("default", settings["Prefix"].Source.ToString());
    }
}
