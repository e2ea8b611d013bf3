using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Threading;

namespace ArenaInfra.Transfer
{
    /// <summary>One local file of a copy: where it is here, where it goes under the destination, its size and SHA-256 as planned.</summary>
    internal sealed class CopyFile
    {
        public CopyFile(string localPath, string relativePath, long bytes, string sha256)
        {
            LocalPath = localPath;
            RelativePath = relativePath;
            Bytes = bytes;
            Sha256 = sha256;
        }

        public string LocalPath { get; }
        /// <summary>Below the destination, '/'-separated; empty for a single file copied to the destination itself.</summary>
        public string RelativePath { get; }
        public long Bytes { get; }
        public string Sha256 { get; }
    }

    /// <summary>
    /// What Copy-ArenaPodItem sends, decided once on this machine before any pod is contacted: the
    /// files (a folder walked, a local link refused rather than followed), each one's size and SHA-256,
    /// within the caps on bytes and files; and the destination, given or taken from the course repo.
    /// </summary>
    internal sealed class CopyPlan
    {
        public const int MaxFiles = 2000;

        private CopyPlan(string destination, bool isFolder, IReadOnlyList<CopyFile> files)
        {
            Destination = destination;
            IsFolder = isFolder;
            Files = files;
        }

        /// <summary>The pod path: absolute, or ~/..., never with '.' or '..' components.</summary>
        public string Destination { get; }
        public bool IsFolder { get; }
        public IReadOnlyList<CopyFile> Files { get; }
        public long TotalBytes => Files.Sum(f => f.Bytes);

        public static CopyPlan Make(string localPath, string? destination, string repoName, string repoUrl, long maxBytes, CancellationToken token)
        {
            var full = Path.GetFullPath(localPath);
            var isFolder = Directory.Exists(full);
            if (!isFolder && !File.Exists(full))
            {
                throw new ArenaException(ArenaErrorIds.CopySourceNotFound, ErrorCategory.ObjectNotFound, $"'{full}' does not exist.", "Check -Path.");
            }
            if (IsLink(full))
            {
                throw new ArenaException(ArenaErrorIds.CopySourceNotFound, ErrorCategory.InvalidArgument, $"'{full}' is a link; a copy sends what is there, not what a link points at.", "Give the path of the file or folder itself.");
            }
            var target = destination != null ? CheckDestination(destination) : DefaultDestination(full, repoName, repoUrl);
            var found = isFolder ? Walk(full, maxBytes, token) : new List<(string, string)> { (full, "") };
            if (found.Count == 0)
            {
                throw new ArenaException(ArenaErrorIds.CopySourceNotFound, ErrorCategory.InvalidArgument, $"The folder '{full}' has no file to copy.", "Give a folder with files in it, or a file.");
            }
            var sizes = found.Select(f => new FileInfo(f.Item1).Length).ToList();
            var total = sizes.Sum();
            if (total > maxBytes)
            {
                throw new ArenaException(ArenaErrorIds.CopyTooLarge, ErrorCategory.LimitsExceeded,
                    $"'{full}' holds {total} bytes, more than the cap of {maxBytes} bytes.", "Copy less, or raise -MaxSizeMB.");
            }
            var files = found.Select((f, i) =>
            {
                token.ThrowIfCancellationRequested();
                return new CopyFile(f.Item1, f.Item2, sizes[i], Hash(f.Item1));
            }).ToList();
            return new CopyPlan(target, isFolder, files);
        }

        /// <summary>The pod path of one file.</summary>
        public string PathOf(CopyFile file, string destination) => file.RelativePath.Length == 0 ? destination : destination.TrimEnd('/') + "/" + file.RelativePath;

        /// <summary>
        /// The destination given: absolute or under ~, each component a name (no '.', '..', empty, or newline),
        /// so that what the pod is asked to walk is exactly the path the user wrote.
        /// </summary>
        public static string CheckDestination(string destination)
        {
            var path = destination.Length > 1 ? destination.TrimEnd('/') : destination;
            var rooted = path.StartsWith("/", StringComparison.Ordinal) || path == "~" || path.StartsWith("~/", StringComparison.Ordinal);
            var parts = path.Split('/').Skip(1).ToList();
            if (!rooted || path == "/" || path == "~" || parts.Any(p => p.Length == 0 || p == "." || p == ".." || p.Any(c => c < ' ' || c == 0x7f)))
            {
                throw new ArenaException(ArenaErrorIds.CopyDestinationInvalid, ErrorCategory.InvalidArgument,
                    $"The destination '{TerminalText.SafeLine(destination)}' is not a plain pod path.",
                    "Give an absolute path or one under ~ (such as ~/course/data/a.csv), without '.', '..' or control characters.");
            }
            return path;
        }

        /// <summary>
        /// The same relative path under the course repo on the pod (~/&lt;RepoName&gt;/...), when the local item
        /// is inside a checkout of the course repo: the nearest folder above it with a .git whose origin is
        /// the config's RepoUrl, or whose name is RepoName.
        /// </summary>
        public static string DefaultDestination(string full, string repoName, string repoUrl)
        {
            for (var dir = new DirectoryInfo(Directory.Exists(full) ? full : Path.GetDirectoryName(full)!); dir != null; dir = dir.Parent)
            {
                var git = Path.Combine(dir.FullName, ".git");
                if (!Directory.Exists(git) && !File.Exists(git)) continue;
                if (!string.Equals(dir.Name, repoName, StringComparison.Ordinal) && !SameRepo(OriginUrl(git), repoUrl)) break;
                var relative = full.Substring(dir.FullName.TrimEnd(Path.DirectorySeparatorChar).Length).Replace(Path.DirectorySeparatorChar, '/').Trim('/');
                if (relative.Length == 0 || relative == ".git" || relative.StartsWith(".git/", StringComparison.Ordinal)) break;
                return CheckDestination("~/" + repoName + "/" + relative);
            }
            throw new ArenaException(ArenaErrorIds.CopyDestinationRequired, ErrorCategory.InvalidArgument,
                $"'{full}' is not inside a checkout of the course repo ({repoName}), so there is no default destination.",
                "Give -Destination, such as -Destination ~/data/file.csv.");
        }

        private static string? OriginUrl(string git)
        {
            var config = Path.Combine(git, "config");
            if (!File.Exists(config)) return null;
            var inOrigin = false;
            foreach (var raw in File.ReadLines(config).Take(1000))
            {
                var line = raw.Trim();
                if (line.StartsWith("[", StringComparison.Ordinal)) inOrigin = line.Replace(" ", "") == "[remote\"origin\"]";
                else if (inOrigin && line.StartsWith("url", StringComparison.Ordinal) && line.Contains('=')) return line.Substring(line.IndexOf('=') + 1).Trim();
            }
            return null;
        }

        private static bool SameRepo(string? a, string b)
        {
            static string Norm(string s) { s = s.Trim().TrimEnd('/'); return s.EndsWith(".git", StringComparison.Ordinal) ? s.Substring(0, s.Length - 4) : s; }
            return a != null && b.Length > 0 && Norm(a) == Norm(b);
        }

        private static List<(string, string)> Walk(string root, long maxBytes, CancellationToken token)
        {
            var found = new List<(string, string)>();
            var pending = new Stack<string>();
            pending.Push(root);
            while (pending.Count > 0)
            {
                token.ThrowIfCancellationRequested();
                var dir = pending.Pop();
                foreach (var entry in new DirectoryInfo(dir).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
                {
                    var relative = entry.FullName.Substring(root.TrimEnd(Path.DirectorySeparatorChar).Length + 1).Replace(Path.DirectorySeparatorChar, '/');
                    if ((entry.Attributes & FileAttributes.ReparsePoint) != 0 || relative.Any(c => c < ' ' || c == 0x7f))
                    {
                        throw new ArenaException(ArenaErrorIds.CopySourceNotFound, ErrorCategory.InvalidArgument,
                            $"'{TerminalText.SafeLine(entry.FullName)}' is a link or has a control character in its name; a copy refuses it rather than guess.", "Remove it from the folder, or copy the files one by one.");
                    }
                    if (entry is DirectoryInfo) pending.Push(entry.FullName);
                    else found.Add((entry.FullName, relative));
                    if (found.Count > MaxFiles)
                    {
                        throw new ArenaException(ArenaErrorIds.CopyTooLarge, ErrorCategory.LimitsExceeded, $"'{root}' holds more than {MaxFiles} files.", "Copy an archive of it instead.");
                    }
                }
            }
            return found.OrderBy(f => f.Item2, StringComparer.Ordinal).ToList();
        }

        private static bool IsLink(string path) => (File.GetAttributes(path) & FileAttributes.ReparsePoint) != 0;

        public static string Hash(string path)
        {
            using var sha = SHA256.Create();
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            return Hex(sha.ComputeHash(stream));
        }

        public static string Hex(byte[] bytes) => string.Concat(bytes.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
    }
}
