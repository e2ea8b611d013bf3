namespace RunPodSandbox;

public sealed class SandboxOptions
{
    public int Port { get; set; }
    public string ApiKey { get; set; } = "sandbox-key";
    /// <summary>How long a new or resumed pod stays Starting (runtime null) before it gets ports.</summary>
    public TimeSpan StartDelay { get; set; } = TimeSpan.FromSeconds(3);
    /// <summary>Added to every API request (REST and GraphQL), to model a distant API.</summary>
    public TimeSpan Latency { get; set; } = TimeSpan.Zero;
    /// <summary>Requests per second before HTTP 429; 0 for no limit.</summary>
    public int RateLimitPerSecond { get; set; }
    public string Seed { get; set; } = "none";
    /// <summary>Seeds this many running fleet pods ({prefix}-p00001, ...) at start, for measuring large listings.</summary>
    public int SeedCount { get; set; }
    public string Prefix { get; set; } = "arena";
    /// <summary>For --seed demo: the public key the seeded pods trust (their PUBLIC_KEY).</summary>
    public string? SeedPublicKey { get; set; }
    public int? ParentPid { get; set; }
    /// <summary>Back running pods with a real sshd: a path, or "auto" to look in the usual places.</summary>
    public string? Sshd { get; set; }
    /// <summary>Where each pod's folder (home, keys, sshd config) goes; a temporary folder when unset.</summary>
    public string? PodsDirectory { get; set; }
    /// <summary>Shut down (stopping every sshd) when standard input closes.</summary>
    public bool ExitOnStdinClose { get; set; }
    /// <summary>With --sshd: put a relay adding this delay each way in front of every pod's sshd.</summary>
    public TimeSpan SshDelay { get; set; }
    /// <summary>The most pods one page of GET /v2/pods holds, whatever the limit asked (RunPod's is 1000).</summary>
    public int PageSize { get; set; } = 1000;
    /// <summary>--start-delay-spread seed:minMs-maxMs: each pod name's own start delay, the same run to run.</summary>
    public StartDelaySpread? StartDelaySpread { get; set; }
    /// <summary>With --sshd: a pod's set-up (its git fetch) takes this much longer, done on the pod's side.</summary>
    public TimeSpan SetupDelay { get; set; }
    /// <summary>
    /// With --sshd --runpod-env: a pod's SSH session has only what a RunPod pod's has (HOME, PATH, and
    /// the volume's folder the module reads), none of the sandbox's own ARENA_POD_ID and ARENA_POD_NAME,
    /// so what runs there (the docs' examples) cannot lean on them.
    /// </summary>
    public bool RunPodEnvironment { get; set; }

    public static SandboxOptions Parse(string[] args)
    {
        var options = new SandboxOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--port": options.Port = int.Parse(Next()); break;
                case "--api-key": options.ApiKey = Next(); break;
                case "--start-delay-ms": options.StartDelay = TimeSpan.FromMilliseconds(int.Parse(Next())); break;
                case "--latency-ms": options.Latency = TimeSpan.FromMilliseconds(int.Parse(Next())); break;
                case "--rate-limit": options.RateLimitPerSecond = int.Parse(Next()); break;
                case "--seed": options.Seed = Next(); break;
                case "--seed-count": options.SeedCount = int.Parse(Next()); break;
                case "--prefix": options.Prefix = Next(); break;
                case "--seed-public-key": options.SeedPublicKey = File.ReadAllText(Next()).Trim(); break;
                case "--parent-pid": options.ParentPid = int.Parse(Next()); break;
                case "--sshd": options.Sshd = Next(); break;
                case "--pods-dir": options.PodsDirectory = Next(); break;
                case "--exit-on-stdin-close": options.ExitOnStdinClose = true; break;
                case "--page-size": options.PageSize = int.Parse(Next()); break;
                case "--ssh-delay-ms": options.SshDelay = TimeSpan.FromMilliseconds(int.Parse(Next())); break;
                case "--start-delay-spread": options.StartDelaySpread = StartDelaySpread.Parse(Next()); break;
                case "--setup-delay-ms": options.SetupDelay = TimeSpan.FromMilliseconds(int.Parse(Next())); break;
                case "--runpod-env": options.RunPodEnvironment = true; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        return options;
    }
}
