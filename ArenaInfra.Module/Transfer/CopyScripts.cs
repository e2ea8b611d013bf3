using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using ArenaInfra.Operations;

namespace ArenaInfra.Transfer
{
    /// <summary>
    /// The two shell scripts of a copy on a pod, and the strict reading of their answers. Every path is
    /// walked component by component from / and a link anywhere refuses the pod (the one exception:
    /// the course repo's link in the home to its copy on the volume, exactly as Initialize-ArenaPod's
    /// Workspace step makes it). Each answer line is "ARENA-COPY &lt;word&gt; &lt;index&gt;"; anything else is ignored.
    /// </summary>
    internal static class CopyScripts
    {
        private static readonly Regex Answer = new Regex("^ARENA-COPY (same|link|notdir|notfile|exists|mkdir|ok|mismatch|bad|mvfail) (-?[0-9]{1,6})$", RegexOptions.CultureInvariant);

        private static string Q(string text) => PodCheck.ShellQuote(text);

        private static string Common(string? allowFrom, string? allowTo) => string.Join("\n",
            "set -f",
            "say() { printf 'ARENA-COPY %s %s\\n' \"$1\" \"$2\"; }",
            $"allow_from={Q(allowFrom ?? "")}; allow_to={Q(allowTo ?? "")}",
            // $1 a folder, $2 1 to make what is missing, $3 the file's index for the answer.
            "walk() {",
            "  cur=; rest=$1",
            "  while [ -n \"$rest\" ]; do",
            "    rest=${rest#/}; c=${rest%%/*}; rest=${rest#\"$c\"}",
            "    [ -n \"$c\" ] || continue",
            "    cur=\"$cur/$c\"",
            "    if [ -L \"$cur\" ]; then",
            "      if [ -n \"$allow_from\" ] && [ \"$cur\" = \"$allow_from\" ] && [ \"$(readlink -- \"$cur\")\" = \"$allow_to\" ]; then continue; fi",
            "      say link \"$3\"; exit 20",
            "    fi",
            "    [ -d \"$cur\" ] && continue",
            "    if [ -e \"$cur\" ]; then say notdir \"$3\"; exit 22; fi",
            "    [ \"$2\" = 1 ] || return 0",
            "    mkdir -- \"$cur\" || { say mkdir \"$3\"; exit 21; }",
            "  done",
            "}",
            "hash() { sha256sum < \"$1\" | cut -c1-64; }",
            "[ -z \"$allow_to\" ] || walk \"$allow_to\" 0 -1");

        /// <summary>
        /// Before anything is written: each file's folders and the file itself checked (no link; a file
        /// already there with the same SHA-256 answered 'same'; a different one refused unless force), then
        /// the missing folders made, each checked again as it is made.
        /// </summary>
        public static string Prepare(IReadOnlyList<(string Path, string Sha256)> files, bool force, string? allowFrom, string? allowTo)
        {
            var lines = new List<string>
            {
                Common(allowFrom, allowTo),
                $"force={(force ? 1 : 0)}",
                "one() {",
                "  walk \"${2%/*}\" 0 \"$1\"",
                "  if [ -L \"$2\" ]; then say link \"$1\"; exit 20; fi",
                "  [ -e \"$2\" ] || return 0",
                "  [ -f \"$2\" ] || { say notfile \"$1\"; exit 22; }",
                "  if [ \"$(hash \"$2\")\" = \"$3\" ]; then say same \"$1\"; elif [ \"$force\" != 1 ]; then say exists \"$1\"; exit 23; fi",
                "}",
            };
            lines.AddRange(files.Select((f, i) => $"one {i} {Q(f.Path)} {Q(f.Sha256)}"));
            lines.AddRange(files.Select((f, i) => (Folder: Folder(f.Path), Index: i)).GroupBy(f => f.Folder, StringComparer.Ordinal)
                .Select(g => $"walk {Q(g.Key)} 1 {g.First().Index}"));
            lines.Add("exit 0");
            return string.Join("\n", lines);
        }

        /// <summary>
        /// After the upload: each temporary file checked on the pod (a regular file, its size and SHA-256 as
        /// sent), its folders walked again, and only then renamed over the destination; a file that does not
        /// match is removed and the old one kept.
        /// </summary>
        public static string Finish(IReadOnlyList<(int Index, string Temporary, string Path, string Sha256, long Bytes)> files, string? allowFrom, string? allowTo)
        {
            var lines = new List<string>
            {
                Common(allowFrom, allowTo),
                "fin() {",
                "  walk \"${3%/*}\" 0 \"$1\"",
                "  if [ -L \"$2\" ] || [ ! -f \"$2\" ]; then say bad \"$1\"; return; fi",
                "  s=$(wc -c < \"$2\" | tr -d ' '); h=$(hash \"$2\")",
                "  if [ \"$s\" != \"$5\" ] || [ \"$h\" != \"$4\" ]; then rm -f -- \"$2\"; say mismatch \"$1\"; return; fi",
                "  if [ -L \"$3\" ] || [ -d \"$3\" ]; then rm -f -- \"$2\"; say link \"$1\"; exit 20; fi",
                "  mv -f -T -- \"$2\" \"$3\" || { rm -f -- \"$2\"; say mvfail \"$1\"; return; }",
                "  if [ -f \"$3\" ] && [ ! -L \"$3\" ]; then say ok \"$1\"; else say bad \"$1\"; fi",
                "}",
            };
            lines.AddRange(files.Select(f => $"fin {f.Index} {Q(f.Temporary)} {Q(f.Path)} {Q(f.Sha256)} {f.Bytes}"));
            lines.Add("exit 0");
            return string.Join("\n", lines);
        }

        public static string Folder(string path) => path.Substring(0, Math.Max(1, path.LastIndexOf('/')));

        /// <summary>The answers, by word and index; lines that do not match exactly are not answers.</summary>
        public static List<(string Word, int Index)> Read(string stdout) =>
            stdout.Split('\n').Select(l => Answer.Match(l.TrimEnd('\r'))).Where(m => m.Success)
                .Select(m => (m.Groups[1].Value, int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture))).ToList();
    }
}
