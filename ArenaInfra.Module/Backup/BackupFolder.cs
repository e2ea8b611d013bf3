using System;
using System.Collections.Generic;
using System.IO;
using ArenaInfra.Common;
using ArenaInfra.Common.IO;

namespace ArenaInfra.Backup
{
    /// <summary>
    /// One pod's folder in a backup, and the only code that writes into it, whichever way the files
    /// arrive (one stream, or SFTP file by file). Every path is built from the pod's names through
    /// UntrustedValue.PathUnder, so none leaves the folder; every folder on the way from the label's
    /// folder to a file is looked at itself (never through a link) and must be a real folder, so a link
    /// planted in the backup tree is refused, never followed; folders are the owner's only; a file is
    /// written under a short temporary name, flushed to the disk and renamed when complete (by a FileFinisher's
    /// threads, for a stream: many files' syncs then share the disk's journal commits), never
    /// larger than announced, with the pod's modification time and never more open than on the pod
    /// (owner bits only). What this machine could not write is a BackupWriteException, never a skip.
    /// </summary>
    internal sealed class BackupFolder
    {
        private readonly HashSet<string> _checked = new HashSet<string>(StringComparer.Ordinal);

        /// <summary>root: the pod's folder; labelFolder, for a backup: the folder above it, checked the same way.</summary>
        public BackupFolder(string root, string? labelFolder = null)
        {
            Root = Path.GetFullPath(root);
            LabelFolder = labelFolder == null ? null : Path.GetFullPath(labelFolder);
        }

        public string Root { get; }
        public string? LabelFolder { get; }

        /// <summary>The pod's permission bits of every file and folder now in the backup, by relative path, for the backup's record.</summary>
        public Dictionary<string, string> Modes { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

        public void Keep(string path, int podMode) => Modes[path] = Convert.ToString(podMode & 0xFFF, 8);

        /// <summary>Makes (or checks) the label's folder and the pod's: real folders, owner-only.</summary>
        public void Create()
        {
            if (LabelFolder != null) RealFolder(LabelFolder);
            RealFolder(Root);
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

        /// <summary>Creates a folder and the ones above it (up to the root), owner-only, each checked to be a real folder; returns its path.</summary>
        public string CreateFolder(IReadOnlyList<string> parts)
        {
            var folder = PathOf(parts);
            Create();
            var at = Root;
            foreach (var part in parts)
            {
                at = Path.Combine(at, part);
                RealFolder(at);
            }
            return folder;
        }

        /// <summary>
        /// A folder of the backup, looked at itself (lstat): made when missing, and refused when it is a
        /// link or a junction (BackupLinkException) or a file. Checked once a run.
        /// </summary>
        private void RealFolder(string folder)
        {
            if (_checked.Contains(folder)) return;
            var attributes = Attributes(folder);
            if (attributes == null)
            {
                try
                {
                    SafeFile.CreatePrivateDirectory(folder);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    throw new BackupWriteException(folder, $"the folder '{folder}' could not be made ({e.Message})", e);
                }
                attributes = Attributes(folder);
            }
            if (attributes != null && (attributes.Value & FileAttributes.ReparsePoint) != 0) throw new BackupLinkException(folder);
            if (attributes == null || (attributes.Value & FileAttributes.Directory) == 0)
            {
                throw new BackupWriteException(folder, $"'{folder}' is a file where the backup keeps a folder");
            }
            _checked.Add(folder);
        }

        /// <summary>What is at a path itself, not what a link there points at; null when nothing is.</summary>
        internal static FileAttributes? Attributes(string path)
        {
            try
            {
                // A link's own attributes carry ReparsePoint (a dangling one's too), whatever it points at.
                return File.GetAttributes(path);
            }
            catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException)
            {
                return null;
            }
        }

        /// <summary>
        /// Writes one file: fill gets a stream that refuses more than size bytes; the file appears under
        /// its name only when fill wrote exactly size bytes (or, with exactSize false, at most size), and
        /// only once its bytes are on the disk. Returns the bytes written. A write this machine refused
        /// (a full disk) is a BackupWriteException; what the pod sent wrong stays an IOException.
        /// </summary>
        public long Write(IReadOnlyList<string> parts, long size, bool exactSize, int podMode, DateTime modifiedUtc, Action<Stream> fill) =>
            Write(parts, size, exactSize, podMode, modifiedUtc, fill, null, null);

        /// <summary>
        /// The same, but with a finisher the last steps (to the disk, then the name) are the finisher's,
        /// and placed is told the bytes written once the file has its name; without one, they are done
        /// here before this returns. What fill sent wrong is still thrown here, the file left out.
        /// </summary>
        public long Write(IReadOnlyList<string> parts, long size, bool exactSize, int podMode, DateTime modifiedUtc, Action<Stream> fill, FileFinisher? finisher, Action<long>? placed)
        {
            var local = PathOf(parts);
            var folder = Path.GetDirectoryName(local)!;
            CreateFolder(Slice(parts, parts.Count - 1));
            // A short temporary name: the real one may already be at the file system's limit.
            var partial = Path.Combine(folder, ".arena-" + Guid.NewGuid().ToString("N").Substring(0, 12) + ".part");
            var handedOver = false;
            try
            {
                FileStream file;
                try
                {
                    // Unbuffered: the data comes in large blocks, and a buffer a file is garbage a file.
                    file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    throw new BackupWriteException(local, e.Message, e);
                }
                long written;
                try
                {
                    Local(local, () => SafeFile.OwnerOnly(partial));
                    var capped = new CappedStream(file, size, local);
                    fill(capped);
                    written = capped.Written;
                    if (exactSize && written != size) throw new IOException($"the pod sent {written} bytes of the {size} it announced; it was left out");
                }
                catch
                {
                    // What went wrong is the news; closing failing too is not.
                    Close(file, local, failed: true);
                    throw;
                }
                if (finisher == null)
                {
                    Place(file, partial, local, podMode, modifiedUtc);
                    placed?.Invoke(written);
                }
                else
                {
                    finisher.Queue(() =>
                    {
                        try
                        {
                            Place(file, partial, local, podMode, modifiedUtc);
                        }
                        finally
                        {
                            RemoveLeftover(partial);
                        }
                    }, placed == null ? (Action?)null : () => placed(written));
                    handedOver = true;
                }
                return written;
            }
            finally
            {
                if (!handedOver) RemoveLeftover(partial);
            }
        }

        /// <summary>On the disk before the name, so the record written after the last file speaks for every file.</summary>
        private static void Place(FileStream file, string partial, string local, int podMode, DateTime modifiedUtc)
        {
            try
            {
                Local(local, () => file.Flush(true));
            }
            catch
            {
                Close(file, local, failed: true);
                throw;
            }
            Close(file, local, failed: false);
            Local(local, () =>
            {
                // Never more open than on the pod, and never open to anyone but the owner here; always readable by the owner.
                SafeFile.SetMode(partial, (podMode & 0x1C0) | 0x100);
                File.SetLastWriteTimeUtc(partial, modifiedUtc);
                // Whatever is at the name (an older copy, or a link someone put there) is replaced, never written through.
                if (Attributes(local) != null) File.Delete(local);
                File.Move(partial, local);
            });
        }

        private static void Close(FileStream file, string local, bool failed)
        {
            try
            {
                file.Dispose();
            }
            catch (Exception e) when ((e is IOException || e is UnauthorizedAccessException) && failed)
            {
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new BackupWriteException(local, e.Message, e);
            }
        }

        private static void RemoveLeftover(string partial)
        {
            try
            {
                if (File.Exists(partial)) File.Delete(partial);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                // What went wrong before is the news; a leftover .part is never restored.
            }
        }

        private static void Local(string path, Action action)
        {
            try
            {
                action();
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new BackupWriteException(path, e.Message, e);
            }
        }

        /// <summary>
        /// What the folder holds, for a restore: folders before what is in them, each with its path
        /// relative to the root. The backup's filter, and the same distrust: a link is never followed or
        /// sent, a name no pod path can be is left out, and the walk is breadth-first with a queue and
        /// bounded in depth, like the backup's.
        /// </summary>
        public IEnumerable<BackupFolderEntry> Walk(BackupFilter filter, List<ArenaSkippedFile> skipped)
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
                        if (BackupFilter.LeavesOutFolder(child.Name)) continue;
                        if (filter.IsTooDeep(depth + 1))
                        {
                            skipped.Add(new ArenaSkippedFile { Path = path, Reason = filter.TooDeepReason });
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
            private readonly string _path;

            public CappedStream(Stream inner, long cap, string path = "")
            {
                _inner = inner;
                _cap = cap;
                _path = path;
            }

            public long Written { get; private set; }

            public override void Write(byte[] buffer, int offset, int count)
            {
                if (Written + count > _cap) throw new IOException($"the pod sent more than the {_cap} bytes it announced; it was left out");
                try
                {
                    _inner.Write(buffer, offset, count);
                }
                catch (IOException e)
                {
                    throw new BackupWriteException(_path, e.Message, e);
                }
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

    /// <summary>This machine could not write a file or folder of a backup (a full disk, a file where a folder belongs): the backup did not finish.</summary>
    internal sealed class BackupWriteException : Exception
    {
        public BackupWriteException(string path, string message, Exception? inner = null) : base(message, inner)
        {
            Path = path;
        }

        public string Path { get; }
    }

    /// <summary>A folder below the backups' root is a symbolic link or a junction: it is never followed, for a backup or a restore.</summary>
    internal sealed class BackupLinkException : Exception
    {
        public BackupLinkException(string path)
            : base($"'{path}' is a symbolic link (or a junction), not a folder; links in the backup tree are never followed. Look at where it points, remove it, and run again")
        {
            Path = path;
        }

        public string Path { get; }
    }
}
