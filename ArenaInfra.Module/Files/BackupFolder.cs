using System;
using System.Collections.Generic;
using System.IO;

namespace ArenaInfra
{
    /// <summary>
    /// One pod's folder in a backup, and the only code that writes into it, whichever way the files
    /// arrive (one stream, or SFTP file by file). Every path is built from the pod's names through
    /// UntrustedValue.PathUnder, so none leaves the folder; folders are the owner's only; a file is
    /// written under a short temporary name and renamed when complete, never larger than announced,
    /// with the pod's modification time and never more open than on the pod (owner bits only).
    /// </summary>
    internal sealed class BackupFolder
    {
        public BackupFolder(string root)
        {
            Root = Path.GetFullPath(root);
        }

        public string Root { get; }

        /// <summary>The pod's permission bits of every file and folder now in the backup, by relative path, for the backup's record.</summary>
        public Dictionary<string, string> Modes { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

        public void Keep(string path, int podMode) => Modes[path] = Convert.ToString(podMode & 0xFFF, 8);

        public void Create(string labelFolder)
        {
            SafeFile.CreatePrivateDirectory(labelFolder);
            SafeFile.CreatePrivateDirectory(Root);
        }

        /// <summary>The local path of a pod's relative path; throws ArgumentException when a part cannot be a local name.</summary>
        public string PathOf(IReadOnlyList<string> parts) => UntrustedValue.PathUnder(Root, parts);

        /// <summary>The file is already in the backup: same size, same modification time within tolerance.</summary>
        public bool Holds(IReadOnlyList<string> parts, long size, DateTime modifiedUtc, TimeSpan tolerance)
        {
            var local = PathOf(parts);
            var info = new FileInfo(local);
            if (!info.Exists || info.Length != size || (info.Attributes & FileAttributes.ReparsePoint) != 0) return false;
            return Math.Abs((info.LastWriteTimeUtc - modifiedUtc).Ticks) < tolerance.Ticks;
        }

        /// <summary>Creates a folder and the ones above it (up to the root), owner-only; returns its path.</summary>
        public string CreateFolder(IReadOnlyList<string> parts)
        {
            var folder = PathOf(parts);
            if (Directory.Exists(folder)) return folder;
            var missing = new Stack<string>();
            for (var at = folder; at.Length > Root.Length && !Directory.Exists(at); at = Path.GetDirectoryName(at)!) missing.Push(at);
            while (missing.Count > 0) SafeFile.CreatePrivateDirectory(missing.Pop());
            return folder;
        }

        /// <summary>
        /// Writes one file: fill gets a stream that refuses more than size bytes; the file appears under
        /// its name only when fill wrote exactly size bytes (or, with exactSize false, at most size).
        /// Returns the bytes written.
        /// </summary>
        public long Write(IReadOnlyList<string> parts, long size, bool exactSize, int podMode, DateTime modifiedUtc, Action<Stream> fill)
        {
            var local = PathOf(parts);
            var folder = Path.GetDirectoryName(local)!;
            if (!Directory.Exists(folder)) CreateFolder(Slice(parts, parts.Count - 1));
            // A short temporary name: the real one may already be at the file system's limit.
            var partial = Path.Combine(folder, ".arena-" + Guid.NewGuid().ToString("N").Substring(0, 12) + ".part");
            try
            {
                long written;
                using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920))
                {
                    SafeFile.OwnerOnly(partial);
                    var capped = new CappedStream(file, size);
                    fill(capped);
                    written = capped.Written;
                }
                if (exactSize && written != size) throw new IOException($"the pod sent {written} bytes of the {size} it announced; it was left out");
                // Never more open than on the pod, and never open to anyone but the owner here; always readable by the owner.
                SafeFile.SetMode(partial, (podMode & 0x1C0) | 0x100);
                File.SetLastWriteTimeUtc(partial, modifiedUtc);
                // Whatever is at the name (an older copy, or a link someone put there) is replaced, never written through.
                if (File.Exists(local) || IsLink(local)) File.Delete(local);
                File.Move(partial, local);
                return written;
            }
            finally
            {
                if (File.Exists(partial)) File.Delete(partial);
            }
        }

        /// <summary>
        /// What the folder holds, for a restore: folders before what is in them, each with its path
        /// relative to the root. The same filters as the backup (hidden folders, site-packages), and the
        /// same distrust: a link is never followed or sent, a name no pod path can be is left out, and
        /// the walk is breadth-first with a queue and bounded in depth, like the backup's.
        /// </summary>
        public IEnumerable<BackupFolderEntry> Walk(int maxDepth, List<ArenaSkippedFile> skipped)
        {
            var pending = new Queue<(string Local, string Relative, int Depth)>();
            pending.Enqueue((Root, "", 0));
            while (pending.Count > 0)
            {
                var (folder, relative, depth) = pending.Dequeue();
                FileSystemInfo[] children;
                try
                {
                    children = new DirectoryInfo(folder).GetFileSystemInfos();
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    skipped.Add(new ArenaSkippedFile { Path = relative.Length == 0 ? "." : relative, Reason = $"the folder could not be read here ({e.Message})" });
                    continue;
                }
                Array.Sort(children, (a, b) => string.CompareOrdinal(a.Name, b.Name));
                foreach (var child in children)
                {
                    var path = relative.Length == 0 ? child.Name : relative + "/" + child.Name;
                    if (depth == 0 && child.Name.EndsWith(BackupCatalog.RecordSuffix, StringComparison.Ordinal)) continue;
                    if (child.Name.StartsWith(".arena-", StringComparison.Ordinal) && child.Name.EndsWith(".part", StringComparison.Ordinal)) continue;
                    if ((child.Attributes & FileAttributes.ReparsePoint) != 0)
                    {
                        skipped.Add(new ArenaSkippedFile { Path = path, Reason = "a link in the backup folder; links are never restored" });
                        continue;
                    }
                    var problem = UntrustedValue.FileNameProblem(child.Name);
                    if (problem != null)
                    {
                        skipped.Add(new ArenaSkippedFile { Path = UntrustedValue.Printable(path), Reason = problem });
                        continue;
                    }
                    if (child is DirectoryInfo)
                    {
                        if (child.Name.StartsWith(".", StringComparison.Ordinal) || child.Name == "site-packages") continue;
                        if (depth + 1 > maxDepth)
                        {
                            skipped.Add(new ArenaSkippedFile { Path = path, Reason = $"the folder is nested deeper than {maxDepth} levels" });
                            continue;
                        }
                        yield return new BackupFolderEntry(path, isFolder: true, 0, child.LastWriteTimeUtc, SafeFile.UnixMode(child.FullName), child.FullName);
                        pending.Enqueue((child.FullName, path, depth + 1));
                    }
                    else if (child is FileInfo file)
                    {
                        yield return new BackupFolderEntry(path, isFolder: false, file.Length, file.LastWriteTimeUtc, SafeFile.UnixMode(file.FullName), file.FullName);
                    }
                }
            }
        }

        /// <summary>Sets a folder's modification time after its files are in (writing a file changes it).</summary>
        public void SetFolderTime(IReadOnlyList<string> parts, DateTime modifiedUtc)
        {
            var folder = PathOf(parts);
            if (Directory.Exists(folder)) Directory.SetLastWriteTimeUtc(folder, modifiedUtc);
        }

        private static bool IsLink(string path)
        {
            try
            {
                return (File.GetAttributes(path) & FileAttributes.ReparsePoint) != 0;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return false;
            }
        }

        private static string[] Slice(IReadOnlyList<string> parts, int count)
        {
            var slice = new string[count];
            for (var i = 0; i < count; i++) slice[i] = parts[i];
            return slice;
        }

        /// <summary>Writes through to a file, and refuses to write more than the cap: a pod that declares 10 bytes and sends forever fills nothing.</summary>
        internal sealed class CappedStream : Stream
        {
            private readonly Stream _inner;
            private readonly long _cap;

            public CappedStream(Stream inner, long cap)
            {
                _inner = inner;
                _cap = cap;
            }

            public long Written { get; private set; }

            public override void Write(byte[] buffer, int offset, int count)
            {
                if (Written + count > _cap) throw new IOException($"the pod sent more than the {_cap} bytes it announced; it was left out");
                _inner.Write(buffer, offset, count);
                Written += count;
            }

            public override bool CanRead => false;
            public override bool CanSeek => false;
            public override bool CanWrite => true;
            public override long Length => Written;
            public override long Position { get => Written; set => throw new NotSupportedException(); }
            public override void Flush() => _inner.Flush();
            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
        }
    }

    /// <summary>A file or folder in a pod's backup folder, with its path relative to the folder ('/'-separated).</summary>
    internal sealed class BackupFolderEntry
    {
        public BackupFolderEntry(string path, bool isFolder, long size, DateTime modifiedUtc, int? localMode, string fullPath)
        {
            Path = path;
            IsFolder = isFolder;
            Size = size;
            ModifiedUtc = modifiedUtc;
            LocalMode = localMode;
            FullPath = fullPath;
        }

        public string Path { get; }
        public bool IsFolder { get; }
        public long Size { get; }
        public DateTime ModifiedUtc { get; }
        public int? LocalMode { get; }
        public string FullPath { get; }
    }
}
