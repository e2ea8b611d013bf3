using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using ArenaInfra.Common;
using ArenaInfra.Operations;

namespace ArenaInfra.Backup
{
    /// <summary>One entry of a pod's home as its listing gave it: a path relative to the home, split and checked.</summary>
    internal sealed class ListedEntry
    {
        public ListedEntry(char type, long size, DateTime modifiedUtc, int mode, string path)
        {
            Type = type;
            Size = size;
            ModifiedUtc = modifiedUtc;
            Mode = mode;
            Path = path;
            Parts = path.Split('/');
        }

        /// <summary>find's %y: 'f' a regular file, 'd' a folder, 'l' a link, others for devices and sockets.</summary>
        public char Type { get; }
        public long Size { get; }
        public DateTime ModifiedUtc { get; }
        /// <summary>The permission bits (find's %m).</summary>
        public int Mode { get; }
        /// <summary>Relative to the home, '/'-separated, as the pod named it.</summary>
        public string Path { get; }
        public string[] Parts { get; }
    }

    /// <summary>A pod's home as listed: its entries, what could not be listed, or why the pod cannot be listed this way at all.</summary>
    internal sealed class HomeListingResult
    {
        public List<ListedEntry> Entries { get; } = new List<ListedEntry>();
        public List<ArenaSkippedFile> Problems { get; } = new List<ArenaSkippedFile>();
        public string? CannotStream { get; set; }
        /// <summary>Where the course repo's files came from when ~/&lt;repo&gt; is the module's link to the volume copy (listed under &lt;repo&gt;/).</summary>
        public string? RepoIncluded { get; set; }
        /// <summary>~/&lt;repo&gt; is a link that is not the module's own: not followed, the repo not listed.</summary>
        public bool RepoRefused { get; set; }
    }

    /// <summary>
    /// The one remote command that lists a pod's home with the backup's filter applied (BackupFilter's
    /// rule, as find's expression), and the strict reading of what it prints: NUL-terminated records
    /// "type size mtime mode path". The pod writes this text, so a record is bounded in length, every
    /// number must parse, and the number of entries is capped.
    /// </summary>
    internal static class HomeListing
    {
        /// <summary>Exit codes of the listing script that mean "this pod cannot stream"; the backup then goes file by file over SFTP.</summary>
        public const int NoGnuTar = 97;
        public const int NoFindPrintf = 98;
        public const int NoHome = 96;
        public const int NoMktemp = 95;

        /// <summary>Longer than any path Linux accepts, with the numbers before it.</summary>
        public const int MaxRecordBytes = 16384;

        /// <summary>
        /// The listing: run by sh whatever the user's login shell is. It first checks that the pod has what
        /// the stream needs (GNU tar, a find with -printf); then find applies the filter's rule itself.
        /// </summary>
        public static string Command(BackupFilter filter, RepoLink? repo = null) =>
            "sh -c '"
            + $"tar --version 2>/dev/null | head -n 1 | grep -q \"GNU tar\" || exit {NoGnuTar}; "
            + $"find / -maxdepth 0 -printf \"\" >/dev/null 2>&1 || exit {NoFindPrintf}; "
            + $"t=$(mktemp 2>/dev/null) && rm -f \"$t\" || exit {NoMktemp}; "
            + $"cd || exit {NoHome}; "
            + (repo == null ? $"exec {Find(filter)}'" : $"{Find(filter)}; s=$?; {repo.Listing(filter)}; exit $s'");

        /// <summary>The find that lists a home (run in it) with the filter's rule, as records Read reads.</summary>
        public static string Find(BackupFilter filter) => $"find . {filter.FindExpression} -o -printf \"%y %s %T@ %m %P\\0\"";

        private static readonly Encoding StrictUtf8 = new UTF8Encoding(false, throwOnInvalidBytes: true);

        /// <summary>
        /// Lists a pod's home. CannotStream says why a pod lacks the tools (nothing else is set then);
        /// Problems are the records and folders that could not be listed, and the cap if it was met.
        /// </summary>
        public static HomeListingResult List(PodSession pod, BackupFilter filter, int maxEntries, CancellationToken token, RepoLink? repo = null)
        {
            var result = new HomeListingResult();
            var stopped = false;
            string? included = null;
            var listing = pod.Connection.Stream(Command(filter, repo), (byte[]?)null,
                output => stopped = Read(output, maxEntries, result.Entries.Add, (path, why) => result.Problems.Add(new ArenaSkippedFile { Path = path, Reason = why }),
                    marker => { if (RepoLink.TryRead(marker, out var ok, out var path) && ok) included = path; else result.RepoRefused = true; }), token);
            switch (listing.ExitCode)
            {
                case NoGnuTar:
                    result.CannotStream = "the pod has no GNU tar";
                    return result;
                case NoFindPrintf:
                    result.CannotStream = "the pod's find cannot print a listing (no -printf)";
                    return result;
                case NoMktemp:
                    result.CannotStream = "the pod cannot make a temporary file (mktemp)";
                    return result;
                case NoHome:
                    throw new BackupStepException("Listing", "the pod's home folder cannot be entered; nothing was copied");
            }
            // find exits 1 when it could not read some folder: the rest of the listing stands, and the folder is named.
            if (!stopped && listing.ExitCode != 0 && listing.ExitCode != 1)
            {
                throw new BackupStepException("Listing", $"listing the home failed ({PodSession.Last(listing.StdErr, listing.ExitCode)}); nothing was copied");
            }
            foreach (var problem in Problems(listing.StdErr)) result.Problems.Add(new ArenaSkippedFile { Path = problem.Key, Reason = $"the folder could not be listed ({problem.Value})" });
            if (stopped) result.Problems.Add(new ArenaSkippedFile { Path = ".", Reason = $"the listing stopped after {maxEntries} entries" });
            if (repo != null && included != null && !result.RepoRefused)
            {
                // The home's link gives way to the folder it leads to, listed after it: the repo as it was in the home.
                result.RepoIncluded = included;
                result.Entries.RemoveAll(e => e.Type == 'l' && e.Path == repo.Name);
            }
            return result;
        }

        /// <summary>
        /// Reads records from the listing's output as they arrive, calling onEntry for each well-formed one
        /// and onBad for each that is not (with why). Stops after maxEntries records; true when it did.
        /// </summary>
        public static bool Read(Stream output, int maxEntries, Action<ListedEntry> onEntry, Action<string, string> onBad, Action<string>? onMarker = null)
        {
            var record = new MemoryStream();
            var buffer = new byte[65536];
            var count = 0;
            var tooLong = false;
            int read;
            while ((read = output.Read(buffer, 0, buffer.Length)) > 0)
            {
                for (var i = 0; i < read; i++)
                {
                    if (buffer[i] != 0)
                    {
                        if (record.Length < MaxRecordBytes) record.WriteByte(buffer[i]);
                        else tooLong = true;
                        continue;
                    }
                    if (++count > maxEntries) return true;
                    if (tooLong) onBad(".", $"the listing sent a record longer than {MaxRecordBytes} bytes");
                    else Parse(record.GetBuffer(), (int)record.Length, onEntry, onBad, onMarker);
                    record.SetLength(0);
                    tooLong = false;
                }
            }
            if (record.Length > 0 || tooLong) onBad(".", "the listing ended in the middle of a record");
            return false;
        }

        private static void Parse(byte[] bytes, int length, Action<ListedEntry> onEntry, Action<string, string> onBad, Action<string>? onMarker)
        {
            string text;
            try
            {
                text = StrictUtf8.GetString(bytes, 0, length);
            }
            catch (DecoderFallbackException)
            {
                var shown = UntrustedValue.Printable(Encoding.UTF8.GetString(bytes, 0, length));
                onBad(PathOf(shown), "its name is not valid UTF-8, which the backup cannot name locally");
                return;
            }
            // find's records start with a one-letter type: a marker of the listing's own cannot be one of them.
            if (onMarker != null && text.StartsWith(RepoLink.Marker, StringComparison.Ordinal))
            {
                onMarker(text);
                return;
            }
            var fields = text.Split(new[] { ' ' }, 5);
            if (fields.Length != 5 || fields[0].Length != 1 || fields[4].Length == 0
                || !long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size)
                || !TryTime(fields[2], out var time)
                || !TryOctal(fields[3], out var mode))
            {
                onBad(PathOf(UntrustedValue.Printable(text)), "the listing sent a record that is not 'type size time mode path'");
                return;
            }
            if (fields[4].StartsWith("/", StringComparison.Ordinal) || fields[4].EndsWith("/", StringComparison.Ordinal) || fields[4].Contains("//"))
            {
                onBad(UntrustedValue.Printable(fields[4]), "the listing sent a path that is not relative to the home");
                return;
            }
            onEntry(new ListedEntry(fields[0][0], size, time, mode, fields[4]));
        }

        private static string PathOf(string record)
        {
            var fields = record.Split(new[] { ' ' }, 5);
            return fields.Length == 5 ? fields[4] : ".";
        }

        /// <summary>find's %T@: seconds since the epoch with a fraction, kept to the 100 ns a DateTime holds.</summary>
        internal static bool TryTime(string text, out DateTime time)
        {
            time = default;
            if (!decimal.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds)) return false;
            const decimal min = -62135596800m, max = 253402300799m;
            if (seconds < min || seconds > max) return false;
            time = new DateTime(DateTimeOffset.FromUnixTimeSeconds(0).UtcDateTime.Ticks + (long)decimal.Truncate(seconds * TimeSpan.TicksPerSecond), DateTimeKind.Utc);
            return true;
        }

        private static bool TryOctal(string text, out int mode)
        {
            mode = 0;
            if (text.Length == 0 || text.Length > 6) return false;
            foreach (var c in text)
            {
                if (c < '0' || c > '7') return false;
                mode = mode * 8 + (c - '0');
            }
            return true;
        }

        private static readonly Regex FindProblem = new Regex("^find: ['\u2018`]\\.?/?(.*)['\u2019]: (.+)$", RegexOptions.CultureInvariant);
        private static readonly Regex TarProblem = new Regex("^tar: (?:\\./)?(.*?): (.+)$", RegexOptions.CultureInvariant);

        /// <summary>The paths find or tar named on standard error, with what they said (a folder it could not read, a file that vanished).</summary>
        public static Dictionary<string, string> Problems(string stderr)
        {
            var problems = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var line in stderr.Split('\n'))
            {
                var match = FindProblem.Match(line.TrimEnd('\r'));
                if (!match.Success) match = TarProblem.Match(line.TrimEnd('\r'));
                if (!match.Success) continue;
                var path = match.Groups[1].Value.Length == 0 ? "." : match.Groups[1].Value;
                if (!problems.ContainsKey(path)) problems[path] = UntrustedValue.Printable(match.Groups[2].Value);
            }
            return problems;
        }
    }
}
