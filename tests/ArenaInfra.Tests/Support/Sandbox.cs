using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ArenaInfra.Common;

namespace ArenaInfra.Tests.Support;

/// <summary>
/// A RunPod sandbox process on 127.0.0.1 for one test class. It is started with our PID and stops
/// by itself if we die; Dispose kills exactly the process it started.
/// </summary>
public sealed class Sandbox : IDisposable
{
    public const string ApiKey = "sandbox-test-key-5f1c9d";

    private readonly Process _process;
    private readonly HttpClient _http = new();

    public Sandbox() : this(new[] { "--start-delay-ms", "0" }) { }

    internal Sandbox(string[] extraArgs)
    {
        var dll = Path.Combine(RepoPaths.Root, "tests", "RunPodSandbox", "bin", RepoPaths.Configuration, "net10.0", "RunPodSandbox.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException("Build the sandbox first (build.ps1 test does).", dll);
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var arg in new[] { dll, "--port", "0", "--api-key", ApiKey, "--parent-pid", Environment.ProcessId.ToString(), "--exit-on-stdin-close" }.Concat(extraArgs))
        {
            info.ArgumentList.Add(arg);
        }
        _process = Process.Start(info)!;
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        var line = Task.Run(() => _process.StandardOutput.ReadLine());
        if (!line.Wait(TimeSpan.FromSeconds(30)) || line.Result == null || !line.Result.Contains("http://"))
        {
            Kill();
            throw new InvalidOperationException($"The sandbox did not start: {line.Result}");
        }
        Url = line.Result[line.Result.IndexOf("http://", StringComparison.Ordinal)..].Trim();
    }

    public string Url { get; }

    private bool _warm;

    /// <summary>
    /// A new sandbox answers its first GraphQL and REST requests slowly, while the runtime compiles
    /// them: on a busy machine, slower than a client's short timeout. A class whose tests set one
    /// calls this first; the requests are cleared from the log.
    /// </summary>
    public void Warm()
    {
        if (_warm) return;
        using var graphQl = new HttpRequestMessage(HttpMethod.Post, $"{Url}/graphql")
        {
            Content = new StringContent("{\"query\": \"query Warm { myself { pods { id } } }\"}", System.Text.Encoding.UTF8, "application/json"),
        };
        graphQl.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ApiKey);
        _http.SendAsync(graphQl).Result.Dispose();
        using var rest = new HttpRequestMessage(HttpMethod.Get, $"{Url}/v2/pods");
        rest.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ApiKey);
        _http.SendAsync(rest).Result.Dispose();
        _http.DeleteAsync($"{Url}/_sandbox/requests").Result.EnsureSuccessStatusCode();
        _warm = true;
    }

    public void Reset()
    {
        _http.DeleteAsync($"{Url}/_sandbox/faults").Result.EnsureSuccessStatusCode();
        _http.DeleteAsync($"{Url}/_sandbox/requests").Result.EnsureSuccessStatusCode();
        _http.DeleteAsync($"{Url}/_sandbox/pods").Result.EnsureSuccessStatusCode();
        _http.DeleteAsync($"{Url}/_sandbox/account").Result.EnsureSuccessStatusCode();
        _http.DeleteAsync($"{Url}/_sandbox/start-delays").Result.EnsureSuccessStatusCode();
        _http.DeleteAsync($"{Url}/_sandbox/machines").Result.EnsureSuccessStatusCode();
        _http.DeleteAsync($"{Url}/_sandbox/billing").Result.EnsureSuccessStatusCode();
        _http.DeleteAsync($"{Url}/_sandbox/network-volumes").Result.EnsureSuccessStatusCode();
    }

    /// <summary>The next create (or start) of each named pod is ready after that many ms instead of the sandbox's start delay.</summary>
    public void StartDelays(IDictionary<string, int> byName) =>
        _http.PostAsJsonAsync($"{Url}/_sandbox/start-delays", byName).Result.EnsureSuccessStatusCode();

    /// <summary>Registers a machine with its traits: a fault (noNvidiaSmi, oldDriver, missingGpu, badMatmul, slowDownload, badPeer: copies between GPUs arrive changed and NCCL fails, busyHost: its load far above its CPUs) or none, its GPUs, its driver.</summary>
    public void Machine(string id, string? fault = null, int gpuCount = 1, string? driver = null) =>
        _http.PostAsJsonAsync($"{Url}/_sandbox/machines", new { id, fault, gpuCount, driver }).Result.EnsureSuccessStatusCode();

    /// <summary>The next creates of a pod with this name land on these machines, one each, in order.</summary>
    public void Place(string podName, params string[] machineIds) =>
        _http.PostAsJsonAsync($"{Url}/_sandbox/placement", new { name = podName, machines = machineIds }).Result.EnsureSuccessStatusCode();

    /// <summary>A file the sandbox serves on 127.0.0.1 (8 MB, ranges honoured): the deep check's download in tests.</summary>
    public string DownloadUrl => $"{Url}/_sandbox/download";

    /// <summary>A network volume of the account ({name, size, dataCenter, type}); its id.</summary>
    public string SeedNetworkVolume(object volume)
    {
        using var response = _http.PostAsJsonAsync($"{Url}/_sandbox/network-volumes", volume).Result.EnsureSuccessStatusCode();
        return System.Text.Json.JsonDocument.Parse(response.Content.ReadAsStringAsync().Result).RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>Sets the account's registered SSH keys and/or the pod list's page size: new { keys = new[] { ... }, pageSize = 2 }.</summary>
    public void Account(object settings) =>
        _http.PostAsJsonAsync($"{Url}/_sandbox/account", settings).Result.EnsureSuccessStatusCode();

    /// <summary>Breaks a pod's SSH behind the API's back: "stop" its sshd, "rekey" it in place, "stallsftp", or "drop" its open sessions.</summary>
    public void Sshd(string podId, string action) =>
        _http.PostAsync($"{Url}/_sandbox/pods/{podId}/sshd/{action}", null).Result.EnsureSuccessStatusCode();

    /// <summary>How many SSH logins a pod's sshd has accepted (with --sshd).</summary>
    public int Logins(string podId) =>
        JsonNode.Parse(_http.GetStringAsync($"{Url}/_sandbox/pods/{podId}/sshd").Result)!["logins"]!.GetValue<int>();

    /// <summary>The folder holding a sandbox pod's home (with --sshd).</summary>
    public string PodHome(string podId) =>
        Path.Combine(JsonNode.Parse(_http.GetStringAsync($"{Url}/_sandbox/pods/{podId}/dir").Result)!["path"]!.GetValue<string>(), "home");

    public void AddFault(object fault) =>
        _http.PostAsJsonAsync($"{Url}/_sandbox/faults", fault).Result.EnsureSuccessStatusCode();

    /// <summary>Adds lines to a pod's log, as REST v2's log stream serves it.</summary>
    public void AppendLog(string podId, IEnumerable<(string Source, string Line)> lines, bool past = false) =>
        _http.PostAsJsonAsync($"{Url}/_sandbox/pods/{podId}/log", lines.Select(l => new { source = l.Source, line = l.Line, ts = past ? DateTimeOffset.UtcNow.AddSeconds(-5) : DateTimeOffset.UtcNow })).Result.EnsureSuccessStatusCode();

    /// <summary>Seeds a pod given in RunPod's JSON shape; returns its id.</summary>
    public string SeedPod(string json)
    {
        var response = _http.PostAsync($"{Url}/_sandbox/pods", new StringContent(json, System.Text.Encoding.UTF8, "application/json")).Result;
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(response.Content.ReadAsStringAsync().Result)!["id"]!.GetValue<string>();
    }

    /// <summary>
    /// Locks or unlocks a pod through RunPod's own API (PATCH /v2/pods/{id} {"locked": ...}), as anyone
    /// with the account can from the console; the request is then cleared from the log.
    /// </summary>
    public void Lock(string podId, bool locked = true)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"{Url}/v2/pods/{podId}")
        {
            Content = new StringContent(locked ? "{\"locked\": true}" : "{\"locked\": false}", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ApiKey);
        _http.SendAsync(request).Result.EnsureSuccessStatusCode();
        _http.DeleteAsync($"{Url}/_sandbox/requests").Result.EnsureSuccessStatusCode();
    }

    public IReadOnlyList<LoggedRequest> Requests() =>
        JsonSerializer.Deserialize<List<LoggedRequest>>(_http.GetStringAsync($"{Url}/_sandbox/requests").Result, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;

    public void Dispose()
    {
        Kill();
        _http.Dispose();
    }

    /// <summary>Closing standard input asks the sandbox to stop its sshd processes and exit; a kill is the fallback.</summary>
    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.Close();
                if (!_process.WaitForExit(10000)) _process.Kill();
            }
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}

public sealed class LoggedRequest
{
    public int Sequence { get; set; }
    public DateTimeOffset Time { get; set; }
    public string Method { get; set; } = "";
    public string Path { get; set; } = "";
    public string QueryString { get; set; } = "";
    public string? Authorization { get; set; }
    public string? UserAgent { get; set; }
    public string? OperationName { get; set; }
    public string Body { get; set; } = "";
    public int Status { get; set; }
    public string? Fault { get; set; }
}

public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", name);

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "ArenaInfra.psd1"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Cannot find the repository root (ArenaInfra.psd1).");
    }
}

/// <summary>A temporary directory that removes itself.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "arenainfra-test-" + Guid.NewGuid().ToString("N")[..8]);

    public string Write(string name, string text)
    {
        var file = System.IO.Path.Combine(Path, name);
        File.WriteAllText(file, text);
        return file;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

/// <summary>An IArenaLog that keeps every line, for asserting on Verbose and Debug output.</summary>
internal sealed class RecordingLog : IArenaLog
{
    private readonly List<string> _lines = new();
    public IReadOnlyList<string> Lines { get { lock (_lines) return _lines.ToList(); } }
    public void Verbose(string message) { lock (_lines) _lines.Add("VERBOSE: " + message); }
    public void Debug(string message) { lock (_lines) _lines.Add("DEBUG: " + message); }
    public void Warning(string message) { lock (_lines) _lines.Add("WARNING: " + message); }
}
