using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// Initialize-ArenaPod's VsCode step on real sshd pods against a fake VS Code update service on
/// 127.0.0.1: a small build whose bin/code-server records the extensions it is asked to install.
/// Installed where Remote-SSH looks, with the extensions and the interpreter, and left alone the
/// second time; whatever the service gets wrong (a hash, no answer, a hostile answer) installs nothing
/// and is a warning on a set-up that succeeded; off, the service is never asked.
/// </summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class VsCodeStepTests : IClassFixture<SshSandbox>, IDisposable
{
    private const string Commit = "4949701c880d4bdb949e3c0e6b400288da7f474b";
    private readonly SshSandbox _ssh;
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars = new();
    private readonly FakeUpdateService _service = new();

    public VsCodeStepTests(SshSandbox ssh)
    {
        _ssh = ssh;
        if (ssh.SkipReason != null) return;
        ssh.Sandbox!.Reset();
        var key = Path.Combine(_dir.Path, "shared");
        SshCamp.CopyKey(key);
        _vars["key"] = CampFleet.Secure(Sandbox.ApiKey);
        _vars["cfg"] = SshCamp.Config(_dir, ssh.Sandbox, key, new[] { "VSCODE_PREINSTALL=true", $"VSCODE_UPDATE_URL={_service.Url}", "VSCODE_EXTENSIONS=\"ms-python.python, ms-toolsai.jupyter\"" });
        _vars["off"] = SshCamp.Config(_dir, ssh.Sandbox, key, new[] { $"VSCODE_UPDATE_URL={_service.Url}" }, name: "off.env");
    }

    public void Dispose()
    {
        _service.Dispose();
        _host.Dispose();
        _dir.Dispose();
    }

    private HostResult Run(string script, string config = "$cfg") =>
        _host.Run($"$config = Import-ArenaConfig {config} -NoDefault\n$PSDefaultParameterValues = @{{ '*-Arena*:Config' = $config; '*-Arena*:ApiKey' = $key }}\n" + script, _vars);

    private ArenaPodSetupResult Setup(string config = "$cfg", string skip = "CopyKey, Git") => Only(Run($"Initialize-ArenaPod -Name alpha -Skip {skip} -Force", config));

    private static ArenaPodSetupResult Only(HostResult run) =>
        run.Output.OfType<ArenaPodSetupResult>().SingleOrDefault()
        ?? throw new Xunit.Sdk.XunitException("no result: " + string.Join(" | ", run.Errors.Select(e => e.ToString())) + run.Terminating?.Message);

    private void Created()
    {
        var made = Run("New-ArenaPod -Count 1 -Force | Out-Null");
        Assert.True(made.Errors.Count == 0 && made.Terminating == null, string.Join(" | ", made.Errors) + made.Terminating?.Message);
    }

    private string Home() => _ssh.Sandbox!.PodHome(Run("(Get-ArenaPod -Name alpha).Id").Output.Cast<string>().Single());
    private string Calls() => File.Exists(Path.Combine(Home(), "code-server-calls")) ? File.ReadAllText(Path.Combine(Home(), "code-server-calls")) : "";
    private string Servers() => Path.Combine(Home(), ".vscode-server", "cli", "servers");

    [SkippableFact]
    public void The_server_goes_where_Remote_SSH_looks_with_the_extensions_and_the_interpreter_and_a_second_run_leaves_it_alone()
    {
        _ssh.Require();
        Created();

        var first = Setup();
        var second = Setup();

        foreach (var result in new[] { first, second })
        {
            Assert.True(result.Succeeded, result.Error);
            Assert.Empty(result.Warnings);
            Assert.Equal(Commit, result.VsCodeServer);
            Assert.Equal("VsCode", result.Done.Last());
        }
        var server = Path.Combine(Servers(), "Stable-" + Commit, "server");
        Assert.True(File.Exists(Path.Combine(server, "bin", "code-server")));
        Assert.Equal(server, new DirectoryInfo(Path.Combine(Home(), ".vscode-server", "bin", Commit)).LinkTarget);
        Assert.Equal("--install-extension ms-python.python\n--install-extension ms-toolsai.jupyter\n", Calls());
        var settings = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(Home(), ".vscode-server", "data", "Machine", "settings.json")))!;
        Assert.EndsWith("python3", settings["python.defaultInterpreterPath"]!.GetValue<string>());
        Assert.Equal(1, _service.Downloads);
        Assert.Equal(2, _service.Questions);
    }

    [SkippableFact]
    public void What_the_update_service_gets_wrong_installs_nothing_and_is_a_warning_on_a_set_up_that_succeeded()
    {
        _ssh.Require();
        Created();
        var cases = new (string Mode, string Said)[]
        {
            ("mismatch", "has SHA-256 " + _service.Sha256 + ", not the update service's " + new string('0', 64) + ": refused, nothing installed"),
            ("down", "answered 503"),
            ("hostile-commit", "was refused: its version is not a 40-hex commit"),
            ("elsewhere", "was refused: its download URL is neither on the update service"),
        };
        foreach (var (mode, said) in cases)
        {
            _service.Mode = mode;
            var run = Run("Initialize-ArenaPod -Name alpha -Skip CopyKey, Git -Force");
            var result = Only(run);

            Assert.True(result.Succeeded, $"{mode}: {result.Error}");
            Assert.Contains(said, Assert.Single(result.Warnings));
            Assert.StartsWith("VsCode: ", result.Warnings[0]);
            Assert.DoesNotContain("VsCode", result.Done);
            Assert.Null(result.VsCodeServer);
            Assert.Contains(run.Warnings, w => w.Contains(said));
            Assert.False(Directory.Exists(Servers()), mode);
            Assert.Equal("", Calls());
        }
        Assert.Equal(0, _service.HostileDownloads);
        Assert.False(File.Exists(Path.Combine(Home(), "pwned")));
    }

    [SkippableFact]
    public void Turned_off_in_the_config_or_skipped_the_update_service_is_never_asked()
    {
        _ssh.Require();
        Created();

        var off = Setup("$off");
        var skipped = Setup(skip: "CopyKey, Git, VsCode");

        Assert.True(off.Succeeded, off.Error);
        Assert.True(skipped.Succeeded, skipped.Error);
        Assert.Equal(new[] { "SshConfig", "Name" }, off.Done);
        Assert.Equal(new[] { "CopyKey", "Git", "VsCode" }, skipped.Skipped);
        Assert.Equal(0, _service.Questions);
        Assert.False(Directory.Exists(Servers()));
    }

    /// <summary>VS Code's update service as the step asks it: /api/update/&lt;platform&gt;/stable/latest, and the build it names.</summary>
    private sealed class FakeUpdateService : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly byte[] _build = Build();

        public FakeUpdateService()
        {
            for (var attempt = 0; ; attempt++)
            {
                var port = Random.Shared.Next(20000, 60000);
                Url = $"http://127.0.0.1:{port}";
                _listener.Prefixes.Clear();
                _listener.Prefixes.Add(Url + "/");
                try
                {
                    _listener.Start();
                    break;
                }
                catch (HttpListenerException) when (attempt < 20)
                {
                    _listener.Close();
                    _listener = new HttpListener();
                }
            }
            _ = Task.Run(Serve);
        }

        public string Url { get; private set; } = "";
        public string Mode { get; set; } = "good";
        public string Sha256 => Convert.ToHexStringLower(SHA256.HashData(_build));
        public int Questions;
        public int Downloads;
        public int HostileDownloads;

        private async Task Serve()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }
                try
                {
                    Answer(context);
                }
                catch (Exception e) when (e is HttpListenerException or IOException)
                {
                }
            }
        }

        private void Answer(HttpListenerContext context)
        {
            var path = context.Request.Url!.AbsolutePath;
            var response = context.Response;
            byte[] body;
            if (path.StartsWith("/api/update/server-linux-", StringComparison.Ordinal) && path.EndsWith("/stable/latest", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref Questions);
                if (Mode == "down")
                {
                    response.StatusCode = 503;
                    response.Close();
                    return;
                }
                var answer = new
                {
                    url = Mode == "elsewhere" ? "https://downloads.example.net/vscode-server.tar.gz" : $"{Url}/download/{Commit}/vscode-server-linux-x64.tar.gz",
                    name = "1.99.0",
                    version = Mode == "hostile-commit" ? Commit + "'; touch pwned; '" : Commit,
                    productVersion = "1.99.0",
                    sha256hash = Mode == "mismatch" ? new string('0', 64) : Sha256,
                };
                body = Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(answer));
                response.ContentType = "application/json";
            }
            else if (path == $"/download/{Commit}/vscode-server-linux-x64.tar.gz")
            {
                Interlocked.Increment(ref Downloads);
                if (Mode.StartsWith("hostile", StringComparison.Ordinal) || Mode == "elsewhere") Interlocked.Increment(ref HostileDownloads);
                body = _build;
            }
            else
            {
                response.StatusCode = 404;
                response.Close();
                return;
            }
            response.ContentLength64 = body.Length;
            response.OutputStream.Write(body);
            response.Close();
        }

        /// <summary>A server build of one file: a code-server that records --install-extension and lists what it recorded.</summary>
        private static byte[] Build()
        {
            const string script = "#!/bin/sh\nlog=\"$HOME/code-server-calls\"\ncase \"$1\" in\n" +
                "  --list-extensions) [ -f \"$log\" ] && sed -n 's/^--install-extension //p' \"$log\"; exit 0 ;;\n" +
                "  --install-extension) printf '%s %s\\n' \"$1\" \"$2\" >> \"$log\"; exit 0 ;;\n" +
                "esac\nexit 2\n";
            using var gz = new MemoryStream();
            using (var zip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
            using (var tar = new TarWriter(zip, TarEntryFormat.Pax, leaveOpen: true))
            {
                tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "vscode-server-linux-x64/") { Mode = (UnixFileMode)0b111_101_101 });
                tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "vscode-server-linux-x64/bin/") { Mode = (UnixFileMode)0b111_101_101 });
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "vscode-server-linux-x64/bin/code-server")
                {
                    Mode = (UnixFileMode)0b111_101_101,
                    DataStream = new MemoryStream(Encoding.UTF8.GetBytes(script)),
                });
            }
            return gz.ToArray();
        }

        public void Dispose()
        {
            try { _listener.Stop(); } catch (ObjectDisposedException) { }
            _listener.Close();
        }
    }
}
