using System.Diagnostics;

namespace ArenaInfra.Tests.Support;

/// <summary>git as the tests use it: a bare repository standing in for GitHub, and commands run without the machine's git config.</summary>
public static class GitRepo
{
    public static string Git(string cwd, params string[] args)
    {
        var info = new ProcessStartInfo("git") { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        foreach (var a in args) info.ArgumentList.Add(a);
        using var git = Process.Start(info)!;
        var output = git.StandardOutput.ReadToEnd();
        var error = git.StandardError.ReadToEnd();
        git.WaitForExit();
        if (git.ExitCode != 0) throw new InvalidOperationException($"git {string.Join(' ', args)}: {error}");
        return output;
    }

    /// <summary>A bare repository at origin with one commit on main (README.md, "course"), cloned through work.</summary>
    public static void MakeOrigin(string origin, string work)
    {
        var parent = Path.GetDirectoryName(origin)!;
        Git(parent, "init", "-q", "--bare", "-b", "main", origin);
        Git(parent, "clone", "-q", origin, work);
        File.WriteAllText(Path.Combine(work, "README.md"), "course\n");
        Git(work, "add", "README.md");
        Git(work, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "start");
        Git(work, "push", "-q", "origin", "HEAD:main");
    }
}
