using System.Security;
using System.Text.Json;

namespace ArenaInfra.Tests.Support;

/// <summary>
/// A small 'camp' fleet on the sandbox for tests that run commands as a user would: a config file
/// with the shared test key, the variables scripts use ($configPath, $key, $secret, $dir), seeded
/// pods, and a script runner that makes the config the default for every ArenaInfra command.
/// </summary>
public sealed class CampFleet : IDisposable
{
    private readonly Sandbox _sandbox;
    private readonly TempDir _dir = new();

    public CampFleet(Sandbox sandbox, params string[] machineNames)
    {
        _sandbox = sandbox;
        File.Copy(RepoPaths.Fixture("keys/test_ed25519"), Path.Combine(_dir.Path, "shared_key"));
        File.Copy(RepoPaths.Fixture("keys/test_ed25519.pub"), Path.Combine(_dir.Path, "shared_key.pub"));
        var config = _dir.Write("config.env", string.Join("\n",
            $"RUNPOD_API_BASE_URL={_sandbox.Url}",
            $"SHARED_SSH_KEY_PATH={Path.Combine(_dir.Path, "shared_key")}",
            "MACHINE_NAME_PREFIX=camp",
            $"MACHINE_NAME_LIST=({string.Join(" ", machineNames)})",
            "RUNPOD_API_MAX_RPS=0",
            ""));
        Variables = new Dictionary<string, object?>
        {
            ["configPath"] = config,
            ["dir"] = _dir.Path,
            ["key"] = Secure(Sandbox.ApiKey),
            ["secret"] = Secure("sk-test"),
            // An empty roster, for the roster-mode commands in tables that run every pod command.
            ["roster"] = _dir.Write("roster.csv", "participant,email,machine\n"),
        };
    }

    /// <summary>The folder of this fleet's files (key, config, anything a test writes).</summary>
    public TempDir Dir => _dir;

    public Dictionary<string, object?> Variables { get; }

    /// <summary>Replaces every pod with these, all in one state, with a volume of volumeGb (0: none).</summary>
    public void Seed(IEnumerable<string> names, string status, int volumeGb = 5)
    {
        _sandbox.Reset();
        foreach (var name in names)
        {
            _sandbox.SeedPod(JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["name"] = name, ["desiredStatus"] = status, ["gpuCount"] = 1, ["volumeInGb"] = volumeGb, ["volumeMountPath"] = "/workspace",
            }));
        }
    }

    /// <summary>Runs a command line in a try block (a terminating error comes back as output), with this fleet's config as default.</summary>
    public HostResult Run(PowerShellHost host, string commandLine) =>
        host.Run("$cfg = Import-ArenaConfig $configPath -NoDefault\n" +
                 "$PSDefaultParameterValues = @{ '*-Arena*:Config' = $cfg; '*-Arena*:ApiKey' = $key }\n" +
                 $"try {{ {commandLine} }} catch {{ $_ }}", Variables);

    /// <summary>RunPod was asked to change a pod: a stop, resume, termination or create.</summary>
    public bool AnyChangeRequested() =>
        _sandbox.Requests().Any(r => r.OperationName is "StopPod" or "ResumePod" or "TerminatePod" or "CreatePod");

    public static SecureString Secure(string text)
    {
        var s = new SecureString();
        foreach (var c in text) s.AppendChar(c);
        return s;
    }

    public void Dispose() => _dir.Dispose();
}
