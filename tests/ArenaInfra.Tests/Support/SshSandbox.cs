using System.Diagnostics;
using Xunit;

namespace ArenaInfra.Tests.Support;

/// <summary>
/// A sandbox whose running pods are real OpenSSH sshd processes on loopback ports, and a private
/// data folder for host-key records, for one test class. The folder is the process's
/// ($ARENA_INFRA_DATA) while the class runs, so such classes are in the DataFolderCollection.
/// Without sshd the tests skip, except under CI=true, where a missing sshd is a failure.
/// </summary>
public sealed class SshSandbox : IDisposable
{
    public SshSandbox()
    {
        SkipReason = FindTools();
        if (SkipReason == null)
        {
            DataDir = new TempDir();
            _previousData = Environment.GetEnvironmentVariable("ARENA_INFRA_DATA");
            Environment.SetEnvironmentVariable("ARENA_INFRA_DATA", DataDir.Path);
            Sandbox = new Sandbox(new[] { "--start-delay-ms", "0", "--sshd", "auto" });
        }
    }

    private readonly string? _previousData;

    public Sandbox? Sandbox { get; }
    public TempDir? DataDir { get; }
    public string? SkipReason { get; }

    /// <summary>Skips the calling test when sshd is missing on a developer machine; fails it under CI.</summary>
    public Sandbox Require()
    {
        if (SkipReason != null && Environment.GetEnvironmentVariable("CI") == "true")
        {
            throw new InvalidOperationException($"CI=true but {SkipReason}; .ci/run installs openssh-server.");
        }
        Skip.If(SkipReason != null, SkipReason);
        return Sandbox!;
    }

    private static string? FindTools()
    {
        if (!new[] { "/usr/sbin/sshd", "/usr/local/sbin/sshd", "/sbin/sshd" }.Any(File.Exists)) return "sshd is not installed";
        try
        {
            using var keygen = Process.Start(new ProcessStartInfo("ssh-keygen", "-?") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false })!;
            keygen.WaitForExit();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "ssh-keygen is not installed";
        }
        if (Environment.UserName == "root" && !Directory.Exists("/run/sshd")) return "sshd needs /run/sshd when run as root";
        return null;
    }

    public void Dispose()
    {
        Sandbox?.Dispose();
        DataDir?.Dispose();
        if (SkipReason == null) Environment.SetEnvironmentVariable("ARENA_INFRA_DATA", _previousData);
    }
}
