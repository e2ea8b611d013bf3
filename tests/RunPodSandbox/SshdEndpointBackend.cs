using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace RunPodSandbox;

/// <summary>
/// Backs every running pod with a real OpenSSH sshd on a loopback port. Each pod has a folder of its
/// own (its home, its authorized_keys holding exactly the PUBLIC_KEY it was created with, its host
/// key); sshd runs as the user running the sandbox. Run as root, each sshd sees the pod's home folder
/// over the user's own home (a mount namespace of its own), so a pod path such as /root/.ssh/id_ed25519
/// lands in the pod's folder, never in the home of whoever runs the tests or the demo.
/// Starting a pod again makes a new host key and a new port, as RunPod does.
/// </summary>
public sealed class SshdEndpointBackend : IPodEndpointBackend, IDisposable
{
    private readonly string _sshd;
    private readonly string _root;
    private readonly bool _ownsRoot;
    private readonly Dictionary<string, Process> _daemons = new();
    private readonly Dictionary<string, int> _ports = new();
    private readonly Dictionary<string, DelayProxy> _relays = new();
    private readonly TimeSpan _delay;
    private readonly object _gate = new();

    public SshdEndpointBackend(string sshd, string? podsDirectory, TimeSpan delay = default)
    {
        _delay = delay;
        _sshd = sshd;
        _ownsRoot = podsDirectory == null;
        _root = podsDirectory ?? Path.Combine(Path.GetTempPath(), "runpod-sandbox-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_root);
    }

    public static string? FindSshd(string? requested)
    {
        if (!string.IsNullOrEmpty(requested) && requested != "auto") return File.Exists(requested) ? requested : null;
        foreach (var candidate in new[] { "/usr/sbin/sshd", "/usr/local/sbin/sshd", "/sbin/sshd" })
        {
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    public string PodDirectory(SandboxPod pod) => Path.Combine(_root, pod.Id);

    /// <summary>With --setup-delay-ms: how much longer each set-up's git fetch takes on the pod.</summary>
    public TimeSpan SetupDelay { get; init; }
    /// <summary>Whether sessions get the sandbox's own ARENA_POD_ID and ARENA_POD_NAME (off with --runpod-env, as on RunPod).</summary>
    public bool SandboxVariables { get; init; } = true;

    /// <summary>
    /// Opens the pod's endpoint: its files now, its sshd (and relay) when its start delay ends, so
    /// nothing answers on its port before then; until that moment the API shows no port (Answering).
    /// </summary>
    public int Open(SandboxPod pod)
    {
        var dir = PodDirectory(pod);
        Directory.CreateDirectory(Path.Combine(dir, "home"));
        // The pod's volume, beside its home and not in it: it outlives a stop, as RunPod's does.
        if (pod.VolumeInGb > 0) Directory.CreateDirectory(Path.Combine(dir, "volume"));
        var publicKey = pod.Env.FirstOrDefault(e => e.StartsWith("PUBLIC_KEY=", StringComparison.Ordinal))?["PUBLIC_KEY=".Length..] ?? "";
        File.WriteAllText(Path.Combine(dir, "authorized_keys"), publicKey + "\n");
        PodStandIns.Write(dir, pod);
        SetupDelayStandIn.Write(Path.Combine(dir, "bin"), SetupDelay);
        NewHostKey(dir);
        var port = FreePort();
        var publicPort = _delay > TimeSpan.Zero ? FreePort() : port;
        var wait = pod.ReadyAt - DateTimeOffset.UtcNow;
        if (wait <= TimeSpan.Zero)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    Answer(pod, port, publicPort);
                    return publicPort;
                }
                catch (InvalidOperationException) when (attempt < 3)
                {
                    // The port was taken between looking and binding: the pod gets another one.
                    port = FreePort();
                    if (_delay <= TimeSpan.Zero) publicPort = port;
                }
            }
        }
        var pending = new CancellationTokenSource();
        lock (_gate)
        {
            if (_pending.Remove(pod.Id, out var earlier)) earlier.Cancel();
            _pending[pod.Id] = pending;
        }
        _ = AnswerLater(pod, port, publicPort, wait, pending);
        return publicPort;
    }

    private readonly Dictionary<string, CancellationTokenSource> _pending = new();

    public bool Answering(SandboxPod pod)
    {
        lock (_gate) return !_pending.ContainsKey(pod.Id);
    }

    private (Process Daemon, DelayProxy? Relay) Answer(SandboxPod pod, int port, int publicPort)
    {
        var daemon = Start(pod, port);
        if (_delay <= TimeSpan.Zero) return (daemon, null);
        var relay = new DelayProxy(port, _delay, publicPort);
        lock (_gate) _relays[pod.Id] = relay;
        return (daemon, relay);
    }

    private async Task AnswerLater(SandboxPod pod, int port, int publicPort, TimeSpan wait, CancellationTokenSource pending)
    {
        try
        {
            await Task.Delay(wait, pending.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        (Process Daemon, DelayProxy? Relay)? started = null;
        try
        {
            started = await Task.Run(() => Answer(pod, port, publicPort));
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or System.ComponentModel.Win32Exception or SocketException)
        {
            Console.Error.WriteLine($"sshd {pod.Name}: {e.Message}");
        }
        lock (_gate)
        {
            if (!pending.IsCancellationRequested)
            {
                if (_pending.TryGetValue(pod.Id, out var current) && current == pending) _pending.Remove(pod.Id);
                return;
            }
            // Stopped or terminated while its sshd was starting: nothing of it may stay (and a later start keeps its own).
            if (started is not { } own) return;
            if (_daemons.TryGetValue(pod.Id, out var d) && d == own.Daemon) _daemons.Remove(pod.Id);
            if (own.Relay != null && _relays.TryGetValue(pod.Id, out var r) && r == own.Relay) _relays.Remove(pod.Id);
            if (_ports.TryGetValue(pod.Id, out var p) && p == port) _ports.Remove(pod.Id);
        }
        Stop(started.Value.Daemon);
        started.Value.Relay?.Dispose();
    }

    public void Close(SandboxPod pod)
    {
        Process? daemon;
        lock (_gate)
        {
            if (_pending.Remove(pod.Id, out var pending)) pending.Cancel();
            _daemons.Remove(pod.Id, out daemon);
            _ports.Remove(pod.Id);
            if (_relays.Remove(pod.Id, out var relay)) relay.Dispose();
        }
        Stop(daemon);
    }

    /// <summary>Stops the pod's sshd while the pod stays "running": a pod whose SSH is down.</summary>
    public bool StopDaemon(SandboxPod pod)
    {
        Process? daemon;
        lock (_gate) _daemons.Remove(pod.Id, out daemon);
        Stop(daemon);
        return daemon != null;
    }

    private readonly HashSet<string> _stalledSftp = new();

    /// <summary>From now on the pod's SFTP server accepts the channel and then says nothing: a client must end that by its own deadline.</summary>
    public bool StallSftp(SandboxPod pod)
    {
        int port;
        lock (_gate)
        {
            if (!_ports.TryGetValue(pod.Id, out port)) return false;
            _stalledSftp.Add(pod.Id);
        }
        StopDaemon(pod);
        Start(pod, port);
        return true;
    }

    /// <summary>A new host key on the same port, without a restart the API would show.</summary>
    public bool Rekey(SandboxPod pod)
    {
        int port;
        lock (_gate)
        {
            if (!_ports.TryGetValue(pod.Id, out port)) return false;
        }
        StopDaemon(pod);
        NewHostKey(PodDirectory(pod));
        Start(pod, port);
        return true;
    }

    private Process Start(SandboxPod pod, int port)
    {
        var dir = PodDirectory(pod);
        var config = Path.Combine(dir, "sshd_config");
        File.WriteAllLines(config, new[]
        {
            $"Port {port}",
            "ListenAddress 127.0.0.1",
            $"HostKey {dir}/host_ed25519",
            $"PidFile {dir}/sshd.pid",
            // The PUBLIC_KEY the pod was made with, and the pod user's own file (as RunPod's images read ~/.ssh/authorized_keys).
            $"AuthorizedKeysFile {dir}/authorized_keys {dir}/home/.ssh/authorized_keys",
            $"AllowUsers {Environment.UserName}",
            "StrictModes no",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PermitRootLogin prohibit-password",
            "UsePAM no",
            "PrintMotd no",
            "PrintLastLog no",
            // Many pods on one machine: never drop connections that arrive together.
            "MaxStartups 300:30:600",
            "MaxSessions 64",
            // The pod's own bin folder first: it holds the stand-ins (PodStandIns) for nvidia-smi, conda and the rest, as GPU pods have the real ones.
            // A pod with a volume: its folder stands for /workspace (nothing can be mounted there), named by the one variable the module reads for it.
            // ARENA_POD_ID and ARENA_POD_NAME are the sandbox's own, for tests that ask a pod which it is; RunPod sets neither.
            $"SetEnv HOME={dir}/home " + (SandboxVariables ? $"ARENA_POD_ID={pod.Id} ARENA_POD_NAME={pod.Name} " : "") + $"PATH={dir}/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin" + (pod.VolumeInGb > 0 ? $" ARENA_VOLUME_PATH={dir}/volume" : ""),
            StalledSftp(pod) ? "Subsystem sftp /bin/sleep 600" : "Subsystem sftp internal-sftp",
            // INFO for its "Accepted publickey" lines, which count the pod's logins; the rest stays quiet.
            "LogLevel INFO",
        });
        var info = new ProcessStartInfo(_sshd) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        var home = HomeToMap();
        if (home != null)
        {
            // The pod user is the user running the sandbox, whose home is this machine's: a path the module
            // writes on a pod (/root/.ssh/id_ed25519, ~/...) would land in it. In a mount namespace of its
            // own, sshd and every session it starts see the pod's home folder there instead; sh and
            // unshare exec, so the process is sshd itself.
            info = new ProcessStartInfo(Unshare) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            // A busy host: its /proc/loadavg, in this namespace only, says so.
            var loadAvg = "";
            if (pod.Host?.Fault == "busyHost")
            {
                loadAvg = Path.Combine(dir, "loadavg");
                File.WriteAllText(loadAvg, "97.50 96.10 95.00 3/912 4242\n");
            }
            foreach (var arg in new[] { "--mount", "--propagation", "private", "--", "/bin/sh", "-c", "mount --bind \"$1\" \"$2\" && { [ -z \"$5\" ] || mount --bind \"$5\" /proc/loadavg; } && exec \"$3\" -D -e -f \"$4\"", "sh", Path.Combine(dir, "home"), home, _sshd, config, loadAvg }) info.ArgumentList.Add(arg);
        }
        else
        {
            foreach (var arg in new[] { "-D", "-e", "-f", config }) info.ArgumentList.Add(arg);
        }
        var daemon = Process.Start(info)!;
        daemon.ErrorDataReceived += (_, e) => Logged(pod, e.Data);
        daemon.BeginErrorReadLine();
        lock (_gate)
        {
            _daemons[pod.Id] = daemon;
            _ports[pod.Id] = port;
        }
        WaitUntilListening(port, daemon);
        return daemon;
    }

    private const string Unshare = "/usr/bin/unshare";

    /// <summary>Whether this machine lets root mount in a namespace of its own (a container may not).</summary>
    private static readonly Lazy<bool> CanMount = new(() =>
    {
        if (!File.Exists(Unshare)) return false;
        try
        {
            var info = new ProcessStartInfo(Unshare) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var arg in new[] { "--mount", "--propagation", "private", "--", "/bin/sh", "-c", "mount --bind /tmp /tmp" }) info.ArgumentList.Add(arg);
            using var probe = Process.Start(info)!;
            probe.StandardOutput.ReadToEnd();
            probe.StandardError.ReadToEnd();
            return probe.WaitForExit(10000) && probe.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    });

    /// <summary>
    /// The home to put the pod's home folder over: the user's own, when the sandbox runs as root (who can
    /// write anywhere, and may mount) and the pods' folder is outside it; null otherwise (another user
    /// cannot write to /root, and their own home is reached only through paths a config names).
    /// </summary>
    private string? HomeToMap()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root" || !CanMount.Value) return null;
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (string.IsNullOrEmpty(home) || !Directory.Exists(home) || home == "/") return null;
        var under = Path.GetFullPath(_root).StartsWith(Path.GetFullPath(home).TrimEnd('/') + "/", StringComparison.Ordinal);
        return under ? null : home;
    }

    private readonly Dictionary<string, int> _logins = new();

    /// <summary>How many SSH logins the pod's sshd has accepted, across its restarts (test control).</summary>
    public int Logins(SandboxPod pod)
    {
        lock (_gate) return _logins.GetValueOrDefault(pod.Id);
    }

    private void Logged(SandboxPod pod, string? line)
    {
        if (string.IsNullOrEmpty(line)) return;
        if (line.StartsWith("Accepted ", StringComparison.Ordinal))
        {
            lock (_gate) _logins[pod.Id] = _logins.GetValueOrDefault(pod.Id) + 1;
            return;
        }
        // What LogLevel ERROR would have shown, and nothing of INFO's chatter.
        if (line.StartsWith("error", StringComparison.OrdinalIgnoreCase) || line.StartsWith("fatal", StringComparison.OrdinalIgnoreCase))
        {
            Console.Error.WriteLine($"sshd {pod.Name}: {line}");
        }
    }

    /// <summary>Cuts every open SSH session of the pod: its sshd starts again on the same port with the same host key.</summary>
    public bool DropSessions(SandboxPod pod)
    {
        int port;
        lock (_gate)
        {
            if (!_ports.TryGetValue(pod.Id, out port)) return false;
        }
        StopDaemon(pod);
        Start(pod, port);
        return true;
    }

    private bool StalledSftp(SandboxPod pod)
    {
        lock (_gate) return _stalledSftp.Contains(pod.Id);
    }

    private static void WaitUntilListening(int port, Process daemon)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && !daemon.HasExited)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                // A port is free only when it was looked at: another program may have taken it since, and
                // this sshd then exits. Only sshd's own greeting, from a daemon still running, counts.
                client.ReceiveTimeout = 2000;
                var greeting = new byte[4];
                var read = 0;
                while (read < greeting.Length)
                {
                    var n = client.GetStream().Read(greeting, read, greeting.Length - read);
                    if (n == 0) break;
                    read += n;
                }
                if (read == greeting.Length && System.Text.Encoding.ASCII.GetString(greeting) == "SSH-" && !daemon.HasExited) return;
                break;
            }
            catch (SocketException)
            {
                Thread.Sleep(20);
            }
            catch (IOException)
            {
                break;
            }
        }
        try
        {
            if (!daemon.HasExited) daemon.Kill();
        }
        catch (InvalidOperationException)
        {
            // It ended on its own meanwhile.
        }
        throw new InvalidOperationException($"sshd did not start on port {port}{(daemon.HasExited ? $" (exit code {daemon.ExitCode})" : "")}.");
    }

    private static void NewHostKey(string dir)
    {
        var key = Path.Combine(dir, "host_ed25519");
        File.Delete(key);
        File.Delete(key + ".pub");
        var info = new ProcessStartInfo("ssh-keygen") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-q", "-t", "ed25519", "-N", "", "-C", "sandbox-pod", "-f", key }) info.ArgumentList.Add(arg);
        using var keygen = Process.Start(info)!;
        keygen.WaitForExit();
        if (keygen.ExitCode != 0) throw new InvalidOperationException("ssh-keygen failed: " + keygen.StandardError.ReadToEnd());
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static void Stop(Process? daemon)
    {
        if (daemon == null) return;
        try
        {
            if (!daemon.HasExited)
            {
                daemon.Kill(entireProcessTree: true);
                daemon.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        daemon.Dispose();
    }

    public void Dispose()
    {
        List<Process> daemons;
        lock (_gate)
        {
            foreach (var pending in _pending.Values) pending.Cancel();
            _pending.Clear();
            daemons = _daemons.Values.ToList();
            _daemons.Clear();
            foreach (var relay in _relays.Values) relay.Dispose();
            _relays.Clear();
        }
        foreach (var daemon in daemons) Stop(daemon);
        if (_ownsRoot)
        {
            try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
