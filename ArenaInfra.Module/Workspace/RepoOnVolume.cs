using System;
using System.Linq;
using System.Text.RegularExpressions;
using ArenaInfra.Operations;

namespace ArenaInfra.Workspace
{
    /// <summary>
    /// Initialize-ArenaPod's Workspace step: the course repo moved onto the pod's volume
    /// (&lt;volume&gt;/&lt;repo&gt;, RunPod's /workspace) with a link in its old place in the home, since a stop
    /// or a restart erases the container disk and with it the home. One command, idempotent:
    /// <list type="bullet">
    /// <item>a link already pointing at the volume copy is left alone;</item>
    /// <item>a checkout in the home and none on the volume is copied there (under a temporary name,
    /// renamed when whole), then removed from the home and linked;</item>
    /// <item>after a restart (the image's checkout back in the home, the volume copy still there) the
    /// volume copy wins: a home checkout with nothing of its own (no change, no untracked file, no
    /// commit that no remote branch has) is removed and linked; one with new work is first moved, whole,
    /// to &lt;volume&gt;/&lt;repo&gt;.kept-&lt;UTC time&gt;, on the volume so that the next stop keeps it too.</item>
    /// </list>
    /// Nothing is followed that a participant may have planted: a volume, a volume copy or its .git that is
    /// a link, or a home entry that links anywhere else, refuses the step and changes nothing.
    /// </summary>
    internal static class RepoOnVolume
    {
        /// <summary>
        /// Set only by the test sandbox, whose pods cannot mount anything at /workspace: the folder each of
        /// its pods with a volume has in its place. RunPod sets no such variable, so on a real pod the path
        /// is the volume's mount path as RunPod reports it.
        /// </summary>
        public const string VolumeVariable = "ARENA_VOLUME_PATH";

        private static readonly Regex SafePath = new Regex("^(/[A-Za-z0-9_][A-Za-z0-9._-]{0,99}){1,8}$", RegexOptions.CultureInvariant);
        private static readonly Regex SafeName = new Regex("^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$", RegexOptions.CultureInvariant);

        /// <summary>The pod's volume mount path when it is one this step may use (absolute, plain names, no ..); else null.</summary>
        public static string? VolumePath(ArenaPod pod)
        {
            if (!pod.HasVolume) return null;
            var path = pod.VolumeMountPath ?? "/workspace";
            return SafePath.IsMatch(path) && !path.Split('/').Any(s => s == "." || s == "..") ? path : null;
        }

        public static bool IsSafeRepoName(string name) => SafeName.IsMatch(name) && name != "." && name != "..";

        private static readonly Regex PlainPath = new Regex("^(/[A-Za-z0-9_][A-Za-z0-9._-]{0,99}){1,32}$", RegexOptions.CultureInvariant);

        /// <summary>Whether a path the pod printed is plain enough to record and show: absolute, plain names, no ..</summary>
        public static bool IsPlainPath(string? path) => path != null && PlainPath.IsMatch(path) && !path.Split('/').Any(s => s == "..");

        public static string Script(string volumePath, string repoName)
        {
            var q = (Func<string, string>)PodCheck.ShellQuote;
            return string.Join("\n",
                "say() { printf 'ARENA-WS %s\\n' \"$*\"; }",
                $"ws=\"${{{VolumeVariable}:-}}\"; [ -n \"$ws\" ] || ws={q(volumePath)}",
                $"name={q(repoName)}",
                "home=\"$HOME/$name\"; vol=\"$ws/$name\"; stamp=$(date -u +%Y%m%d-%H%M%S)",
                "if [ -L \"$ws\" ] || [ ! -d \"$ws\" ]; then say refused volume; exit 3; fi",
                "if [ -L \"$vol\" ] || { [ -e \"$vol\" ] && [ ! -d \"$vol\" ]; }; then say refused volume-copy; exit 3; fi",
                "if [ -e \"$vol\" ] && { [ -L \"$vol/.git\" ] || [ ! -d \"$vol/.git\" ]; }; then say refused volume-copy; exit 3; fi",
                "verified() { [ -L \"$home\" ] && [ \"$(readlink -- \"$home\")\" = \"$vol\" ] && [ -d \"$vol/.git\" ] && [ ! -L \"$vol\" ] && say verified \"$vol\"; }",
                "if [ -L \"$home\" ]; then",
                "  if [ \"$(readlink -- \"$home\")\" = \"$vol\" ] && [ -d \"$vol\" ]; then say present; verified; exit $?; fi",
                "  say refused home-link; exit 3",
                "fi",
                "if [ ! -e \"$home\" ]; then",
                "  [ -d \"$vol\" ] || { say refused no-repo; exit 3; }",
                "  ln -s -- \"$vol\" \"$home\" && say linked && verified; exit $?",
                "fi",
                "if [ ! -d \"$home/.git\" ] || [ -L \"$home/.git\" ]; then say refused home-repo; exit 3; fi",
                "set -e",
                "if [ -d \"$vol\" ]; then",
                // The image's own checkout, untouched, has nothing a remote branch lacks and no file of its own.
                "  changed=$(cd \"$home\" && git -c core.fsmonitor= status --porcelain --untracked-files=all && git rev-list -n 1 --branches --tags --not --remotes)",
                "  if [ -n \"$changed\" ]; then",
                "    kept=\"$ws/$name.kept-$stamp\"",
                "    [ ! -e \"$kept\" ] && [ ! -L \"$kept\" ] || { say refused kept-exists; exit 3; }",
                "    rm -rf -- \"$kept.arena-moving\"",
                "    cp -a -- \"$home\" \"$kept.arena-moving\"",
                "    mv -T -- \"$kept.arena-moving\" \"$kept\"",
                "    say kept \"$kept\"",
                "  fi",
                "  rm -rf -- \"$home\"",
                "  ln -s -- \"$vol\" \"$home\"",
                "  say relinked",
                "else",
                "  rm -rf -- \"$ws/.$name.arena-moving\"",
                "  cp -a -- \"$home\" \"$ws/.$name.arena-moving\"",
                "  mv -T -- \"$ws/.$name.arena-moving\" \"$vol\"",
                "  rm -rf -- \"$home\"",
                "  ln -s -- \"$vol\" \"$home\"",
                "  say moved",
                "fi",
                "verified");
        }

        /// <summary>What one run said: the verified volume copy, the kept checkout, or why it refused; only lines of ours, each bounded.</summary>
        public static (string? Verified, string? Kept, string? Refused, string? Action) Read(string stdout)
        {
            string? verified = null, kept = null, refused = null, action = null;
            foreach (var raw in stdout.Split('\n'))
            {
                var line = raw.Trim();
                if (!line.StartsWith("ARENA-WS ", StringComparison.Ordinal) || line.Length > 600) continue;
                var rest = line.Substring("ARENA-WS ".Length);
                var space = rest.IndexOf(' ');
                var word = space < 0 ? rest : rest.Substring(0, space);
                var arg = space < 0 ? null : rest.Substring(space + 1);
                switch (word)
                {
                    case "verified": verified = arg; break;
                    case "kept": kept = arg; break;
                    case "refused": refused = arg; break;
                    case "present": case "linked": case "relinked": case "moved": action = word; break;
                }
            }
            return (verified, kept, refused, action);
        }

        /// <summary>Why a refusal, in words.</summary>
        public static string Refusal(string? reason, string volumePath, string repoName) => reason switch
        {
            "volume" => $"{volumePath} is not a plain folder on this pod (missing, or a link): the course repo stays in the home",
            "volume-copy" => $"{volumePath}/{repoName} is a link or not a git checkout: it is not followed, and nothing was moved",
            "home-link" => $"~/{repoName} is a link to somewhere other than {volumePath}/{repoName}: it is not followed, and nothing was moved",
            "home-repo" => $"~/{repoName} is not a git checkout: nothing was moved",
            "no-repo" => $"there is no course repo in the home or on {volumePath}",
            "kept-exists" => $"the place to keep the home checkout's work on {volumePath} is taken: nothing was moved; run again in a second",
            _ => "the move could not be checked",
        };
    }
}
