using System.Globalization;

namespace RunPodSandbox;

/// <summary>
/// --setup-delay-ms: a git on the pod's PATH whose fetch takes that much longer, then runs the real
/// git. Every set-up (Initialize-ArenaPod's Git step) fetches exactly once, so the set-up is slower
/// where it meets the pod, as over a slow remote, and the module's code is the same as on RunPod.
/// </summary>
public static class SetupDelayStandIn
{
    public static void Write(string bin, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero) return;
        var git = new[] { "/usr/local/bin/git", "/usr/bin/git", "/bin/git" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("--setup-delay-ms needs git on this machine");
        Directory.CreateDirectory(bin);
        var script = Path.Combine(bin, "git");
        var seconds = delay.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        File.WriteAllText(script, $"#!/bin/sh\n# A stand-in for git in the RunPod sandbox: a fetch takes {seconds} s longer.\nif [ \"$1\" = fetch ]; then sleep {seconds}; fi\nexec {git} \"$@\"\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }
}
