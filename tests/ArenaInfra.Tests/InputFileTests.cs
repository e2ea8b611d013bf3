using System.Diagnostics;
using System.Text.Json;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// Files the user names for the module (ARENA_CONFIG, a config, roster or CSV path) that are not files:
/// a real FIFO, which blocks a read until someone writes to it, and a file too big to be a config. Each
/// command must end promptly with ConfigFileInvalid; every run is bounded, and a run that hangs is
/// released by opening the FIFO's other end.
/// </summary>
[Collection(RunsAloneCollection.Name)]
[Trait("Category", "Sandbox")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class InputFileTests : IClassFixture<Sandbox>, IDisposable
{
    private static readonly TimeSpan Promptly = TimeSpan.FromSeconds(20);

    private readonly Sandbox _sandbox;
    private readonly CampFleet _fleet;
    private readonly PowerShellHost _host = new();
    private readonly string _fifo;

    public InputFileTests(Sandbox sandbox)
    {
        _sandbox = sandbox;
        _fleet = new CampFleet(sandbox, "alpha");
        _sandbox.Reset();
        _sandbox.SeedPod(JsonSerializer.Serialize(new { name = "camp-alpha", desiredStatus = "RUNNING" }));
        _fifo = Path.Combine(_fleet.Dir.Path, "named-pipe");
        using (var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", _fifo) { UseShellExecute = false })!) mkfifo.WaitForExit();
        Assert.True(File.Exists(_fifo));
        _fleet.Variables["fifo"] = _fifo;
    }

    public void Dispose()
    {
        _host.Dispose();
        _fleet.Dispose();
    }

    /// <summary>Runs the work with a deadline; past it, the FIFO's other end is opened so the blocked reader ends, and the test fails.</summary>
    private T Bounded<T>(Func<T> work, string what)
    {
        var clock = Stopwatch.StartNew();
        var task = Task.Run(work);
        if (!task.Wait(Promptly))
        {
            // Read and write: never blocks, and lets the blocked open return.
            using (new FileStream(_fifo, FileMode.Open, FileAccess.ReadWrite)) { }
            task.Wait(TimeSpan.FromSeconds(10));
            Assert.Fail($"{what} was still waiting on the FIFO after {clock.Elapsed.TotalSeconds:0} s.");
        }
        return task.Result;
    }

    [Fact]
    public void A_FIFO_as_the_config_file_ends_promptly_with_ConfigFileInvalid()
    {
        var result = Bounded(() => _host.Run("try { Import-ArenaConfig -Path $fifo -NoDefault -ErrorAction Stop } catch { $_ }", _fleet.Variables), "Import-ArenaConfig");

        Assert.Equal("ConfigFileInvalid", result.CaughtErrorId);
        Assert.Contains("FIFO", result.Caught.Exception.Message);
    }

    [Fact]
    public void ARENA_CONFIG_naming_a_FIFO_ends_every_command_promptly_with_ConfigFileInvalid()
    {
        // As a user meets it: a fresh pwsh, the module imported, ARENA_CONFIG set, a command run.
        var dll = typeof(ArenaInfra.Cmdlets.GetArenaPodCommand).Assembly.Location;
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoPaths.Root };
        foreach (var arg in new[] { "pwsh", "-NoProfile", "-NonInteractive", "-Command", $"Import-Module '{dll}'; try {{ Get-ArenaPod -ErrorAction Stop }} catch {{ 'ID=' + $_.FullyQualifiedErrorId }}" }) info.ArgumentList.Add(arg);
        info.Environment["ARENA_CONFIG"] = _fifo;
        info.Environment["RUNPOD_API_KEY"] = Sandbox.ApiKey;
        info.Environment["ARENA_INFRA_DATA"] = _fleet.Dir.Path;
        using var pwsh = Process.Start(info)!;
        var output = pwsh.StandardOutput.ReadToEndAsync();
        var exited = pwsh.WaitForExit((int)TimeSpan.FromSeconds(60).TotalMilliseconds);
        if (!exited)
        {
            using (new FileStream(_fifo, FileMode.Open, FileAccess.ReadWrite)) { }
            if (!pwsh.WaitForExit(10000)) pwsh.Kill();
        }

        Assert.True(exited, "Get-ArenaPod was still waiting on the FIFO after 60 s.");
        Assert.Contains("ID=ConfigFileInvalid", output.Result);
    }

    [Fact]
    public void A_FIFO_as_the_roster_ends_promptly_with_ConfigFileInvalid()
    {
        var result = Bounded(() => _fleet.Run(_host, "Import-ArenaRoster -Path $fifo"), "Import-ArenaRoster");

        Assert.Equal("ConfigFileInvalid", result.CaughtErrorId);
    }

    [Fact]
    public void A_FIFO_as_a_secrets_CSV_ends_promptly_with_ConfigFileInvalid_and_sets_nothing()
    {
        var result = Bounded(() => _fleet.Run(_host, "Set-ArenaPodSecret -Name * -VariableName OPENAI_API_KEY -CsvPath $fifo -Force"), "Set-ArenaPodSecret");

        Assert.Equal("ConfigFileInvalid", result.CaughtErrorId);
        Assert.Empty(result.Output.OfType<ArenaPodSecretResult>());
    }

    [Fact]
    public void A_config_file_larger_than_the_cap_is_refused_unread()
    {
        var big = _fleet.Dir.Write("big.env", "MACHINE_NAME_PREFIX=camp\n" + new string('#', 2 * 1024 * 1024) + "\n");
        _fleet.Variables["big"] = big;

        var result = _host.Run("try { Import-ArenaConfig -Path $big -NoDefault -ErrorAction Stop } catch { $_ }", _fleet.Variables);

        Assert.Equal("ConfigFileInvalid", result.CaughtErrorId);
        Assert.Contains("larger than 1 MB", result.Caught.Exception.Message);
    }
}
