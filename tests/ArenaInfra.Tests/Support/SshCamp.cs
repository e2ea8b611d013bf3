using System.Runtime.InteropServices;

namespace ArenaInfra.Tests.Support;

/// <summary>
/// The fleet most SSH test classes start from: the test key (owner-only, as ssh wants it) and a config
/// for camp-alpha and camp-bravo on the sandbox's sshd pods, as the organiser's own user, with the
/// class's own lines added.
/// </summary>
public static class SshCamp
{
    /// <summary>Copies the test key pair to path and path.pub; returns path.</summary>
    public static string CopyKey(string path)
    {
        File.Copy(RepoPaths.Fixture("keys/test_ed25519"), path);
        File.Copy(RepoPaths.Fixture("keys/test_ed25519.pub"), path + ".pub");
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    /// <summary>Writes the config (camp.env unless named) into dir; returns its path.</summary>
    public static string Config(TempDir dir, Sandbox sandbox, string keyPath, IEnumerable<string>? extra = null,
        string machines = "(alpha bravo)", string name = "camp.env") =>
        dir.Write(name, string.Join("\n", new[]
        {
            $"RUNPOD_API_BASE_URL={sandbox.Url}",
            $"SHARED_SSH_KEY_PATH={keyPath}",
            $"SSH_USER={Environment.UserName}",
            "MACHINE_NAME_PREFIX=camp",
            $"MACHINE_NAME_LIST={machines}",
            "RUNPOD_API_MAX_RPS=0",
            // Set-up never asks VS Code's update service on the internet; the VS Code tests serve their own.
            "VSCODE_PREINSTALL=false",
        }.Concat(extra ?? Array.Empty<string>()).Append("")));

    /// <summary>The lines of a course repository at origin, cloned into ~/course with the deploy key at ~/.ssh/id_deploy.</summary>
    public static string[] CourseRepo(string origin) => new[]
    {
        "GIT_SSH_KEY_REMOTE=~/.ssh/id_deploy",
        "ARENA_REPO_NAME=course",
        $"ARENA_REPO_URL={origin}",
        "DEFAULT_BRANCH=main",
    };
}
