using System.Security.Cryptography;
using System.Text;

namespace RunPodSandbox;

/// <summary>
/// Each pod's own start delay: RunPod's pods take from seconds to minutes to come up, and a fleet's
/// slowest pod is what a batch waits for. A delay named for a pod (POST /_sandbox/start-delays) applies
/// to its next create or start; otherwise the spread's delay for its name; otherwise --start-delay-ms.
/// </summary>
public sealed partial class SandboxState
{
    private readonly Dictionary<string, TimeSpan> _namedStartDelays = new(StringComparer.Ordinal);

    /// <summary>Sets the delays of the next create or start of these pod names (test control).</summary>
    public void SetStartDelays(IReadOnlyDictionary<string, int> byName)
    {
        lock (_gate)
        {
            foreach (var (name, ms) in byName) _namedStartDelays[name] = TimeSpan.FromMilliseconds(ms);
        }
    }

    public void ClearStartDelays()
    {
        lock (_gate) _namedStartDelays.Clear();
    }

    /// <summary>The delay of this create or start of a pod of that name; a named delay is used once.</summary>
    private TimeSpan StartDelayOf(string? name)
    {
        lock (_gate)
        {
            if (name != null && _namedStartDelays.Remove(name, out var named)) return named;
            return Options.StartDelaySpread?.DelayOf(name) ?? Options.StartDelay;
        }
    }
}

/// <summary>
/// Start delays spread over a range, drawn by a random seeded from the seed and the pod's name, so a
/// name gets the same delay in every run and every create (a replacement waits as long as the first).
/// </summary>
public sealed record StartDelaySpread(string Seed, int MinMs, int MaxMs)
{
    /// <summary>"seed:minMs-maxMs", e.g. "24:5000-60000".</summary>
    public static StartDelaySpread Parse(string text)
    {
        var colon = text.LastIndexOf(':');
        var range = colon > 0 ? text[(colon + 1)..].Split('-') : Array.Empty<string>();
        if (range.Length != 2 || !int.TryParse(range[0], out var min) || !int.TryParse(range[1], out var max) || min < 0 || max < min)
        {
            throw new ArgumentException($"--start-delay-spread takes <seed>:<minMs>-<maxMs>, not '{text}'");
        }
        return new StartDelaySpread(text[..colon], min, max);
    }

    public TimeSpan DelayOf(string? name)
    {
        // SHA-256, not string.GetHashCode, which .NET randomises per process.
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(Seed + "\n" + (name ?? "")));
        var random = new Random(BitConverter.ToInt32(digest, 0));
        return TimeSpan.FromMilliseconds(random.Next(MinMs, MaxMs + 1));
    }
}
