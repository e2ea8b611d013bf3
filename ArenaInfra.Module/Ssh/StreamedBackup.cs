using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;

namespace ArenaInfra.Ssh
{
    /// <summary>
    /// A pod's backup in two commands, whatever the number of files: one lists the home with the
    /// filters applied, the module compares that with what the backup holds, and one tar stream brings
    /// exactly the files that differ, over the one channel. SFTP costs several round trips a file; this
    /// costs two a backup. The pod writes both the listing and the stream, so each is read strictly:
    /// only files that were listed and asked for are written, each exactly its listed size, never a
    /// link or a folder where a file was asked for, never a name twice, and the whole stream is capped
    /// at what was asked for.
    /// </summary>
    internal sealed class StreamedBackup
    {
        private readonly BackupRun _run;

        public StreamedBackup(BackupRun run) => _run = run;

        /// <summary>How near a kept file's time must be to the pod's to count as the same file (SFTP's times are whole seconds).</summary>
        public static readonly TimeSpan SameTime = TimeSpan.FromSeconds(1);

        /// <summary>
        /// The listing, or null when the pod cannot stream (no GNU tar, a find without -printf): why is in
        /// cannotStream, and nothing has been written yet, so the caller can go file by file instead.
        /// </summary>
        public List<ListedEntry>? List(PodSession pod, CancellationToken token, out string? cannotStream)
        {
            var listing = HomeListing.List(pod, _run.MaxDepth, _run.MaxEntries, token);
            cannotStream = listing.CannotStream;
            if (cannotStream != null) return null;
            _run.Skipped.AddRange(listing.Problems);
            return listing.Entries;
        }

        /// <summary>Compares the listing with the backup, makes the folders, and fetches what differs in one stream.</summary>
        public void Run(PodSession pod, List<ListedEntry> entries, CancellationToken token)
        {
            var refused = new HashSet<string>(StringComparer.Ordinal);
            var folders = new List<ListedEntry>();
            var wanted = new List<ListedEntry>();
            foreach (var entry in entries)
            {
                token.ThrowIfCancellationRequested();
                // Below a folder already left out: left out with it, and not named again.
                var parent = entry.Parts.Length > 1 ? entry.Path.Substring(0, entry.Path.LastIndexOf('/')) : null;
                if (parent != null && refused.Contains(parent))
                {
                    if (entry.Type == 'd') refused.Add(entry.Path);
                    continue;
                }
                var problem = entry.Parts.Select(UntrustedValue.FileNameProblem).FirstOrDefault(p => p != null);
                if (problem != null)
                {
                    _run.Skipped.Add(Skip(Shown(entry), $"{problem}, which no local disk can keep"));
                    if (entry.Type == 'd') refused.Add(entry.Path);
                    continue;
                }
                if (entry.Type == 'd')
                {
                    if (entry.Parts.Length > _run.MaxDepth)
                    {
                        _run.Skipped.Add(Skip(entry.Path, $"the folder is nested deeper than {_run.MaxDepth} levels"));
                        refused.Add(entry.Path);
                        continue;
                    }
                    try
                    {
                        _run.Folder.CreateFolder(entry.Parts);
                        _run.Folder.Keep(entry.Path, entry.Mode);
                        folders.Add(entry);
                    }
                    catch (Exception e) when (IsLocalProblem(e))
                    {
                        _run.Skipped.Add(Skip(entry.Path, $"the folder could not be made here ({e.Message})"));
                        refused.Add(entry.Path);
                    }
                    continue;
                }
                // Links, sockets and devices are not files to keep: a link could point anywhere.
                if (entry.Type != 'f') continue;
                if (entry.Size > _run.MaxFileBytes)
                {
                    _run.Skipped.Add(Skip(entry.Path, $"larger than {_run.MaxFileBytes / (1024 * 1024)} MB"));
                    continue;
                }
                if (_run.Folder.Holds(entry.Parts, entry.Size, entry.ModifiedUtc, SameTime))
                {
                    _run.Result.Files++;
                    _run.Result.Unchanged++;
                    _run.Result.Bytes += entry.Size;
                    _run.Folder.Keep(entry.Path, entry.Mode);
                    continue;
                }
                wanted.Add(entry);
            }
            pod.Log.Verbose($"{pod.Pod.Name}: {_run.Result.Unchanged + wanted.Count} file(s) listed, {wanted.Count} to fetch ({wanted.Sum(w => w.Size) / 1048576.0:0.0} MB) in one stream.");
            if (wanted.Count > 0) Fetch(pod, wanted, token);
            // Last, deepest first: writing a file into a folder changes the folder's time.
            for (var i = folders.Count - 1; i >= 0; i--)
            {
                try
                {
                    _run.Folder.SetFolderTime(folders[i].Parts, folders[i].ModifiedUtc);
                }
                catch (Exception e) when (IsLocalProblem(e))
                {
                    // A folder's time is a nicety; its files are what the backup is for.
                }
            }
        }

        private void Fetch(PodSession pod, List<ListedEntry> wanted, CancellationToken token)
        {
            var pending = new Dictionary<string, ListedEntry>(StringComparer.Ordinal);
            var names = new MemoryStream();
            long expected = 2 * 10240;
            foreach (var entry in wanted)
            {
                pending[entry.Path] = entry;
                var name = Encoding.UTF8.GetBytes("./" + entry.Path);
                names.Write(name, 0, name.Length);
                names.WriteByte(0);
                expected += TarStreamReader.Block + Round(entry.Size) + (name.Length >= 99 ? TarStreamReader.Block + Round(name.Length + 1) : 0);
            }
            var stream = pod.Connection.Stream(HomeListing.TarCommand, names.ToArray(), output =>
            {
                // Headers, names and padding on top of the files' sizes, and not a megabyte more.
                var bounded = new BoundedReadStream(output, expected + 1024 * 1024);
                var reader = new TarStreamReader(bounded);
                try
                {
                    for (var entry = reader.Next(); entry != null; entry = reader.Next())
                    {
                        token.ThrowIfCancellationRequested();
                        Take(reader, entry, pending);
                    }
                }
                finally
                {
                    _run.Result.TransferredBytes += bounded.Consumed;
                }
            }, token);
            var problems = HomeListing.Problems(stream.StdErr);
            foreach (var missing in pending.Values)
            {
                var why = problems.TryGetValue(missing.Path, out var said) ? $"the pod could not send it ({said})" : "the pod did not send it (it vanished or could not be read)";
                _run.Skipped.Add(Skip(missing.Path, why));
            }
        }

        /// <summary>One entry of the stream: written only when it is a regular file that was asked for, once, at its listed size.</summary>
        private void Take(TarStreamReader reader, TarEntry entry, Dictionary<string, ListedEntry> pending)
        {
            var name = entry.Name != null && entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name.Substring(2) : entry.Name;
            if (name == null || !pending.TryGetValue(name, out var listed))
            {
                _run.Skipped.Add(Skip(name == null ? "(a name that is not UTF-8)" : UntrustedValue.Printable(name), $"the pod sent {entry.Kind} that was not asked for (a name listed twice, or outside the home); it was refused"));
                return;
            }
            pending.Remove(name);
            if (!entry.IsRegularFile)
            {
                _run.Skipped.Add(Skip(listed.Path, $"the pod sent {entry.Kind} where it listed a file; it was refused"));
                return;
            }
            if (entry.Size != listed.Size)
            {
                _run.Skipped.Add(Skip(listed.Path, $"the pod sent {entry.Size} bytes for a file it listed as {listed.Size} bytes (it changed while being copied); it was left out, and the next backup takes it"));
                return;
            }
            // The listing's time, finer than tar's whole seconds, unless the file changed after it was listed.
            var time = Math.Abs((entry.ModifiedUtc - listed.ModifiedUtc).TotalSeconds) >= 1 ? entry.ModifiedUtc : listed.ModifiedUtc;
            try
            {
                var written = _run.Folder.Write(listed.Parts, listed.Size, exactSize: true, listed.Mode, time, reader.CopyData);
                _run.Result.Files++;
                _run.Result.Downloaded++;
                _run.Result.Bytes += written;
                _run.Result.DownloadedBytes += written;
                _run.Folder.Keep(listed.Path, listed.Mode);
            }
            catch (Exception e) when (IsLocalProblem(e) && !(e is TarFormatException))
            {
                _run.Skipped.Add(Skip(listed.Path, e.Message));
            }
        }

        private static long Round(long size) => (size + TarStreamReader.Block - 1) / TarStreamReader.Block * TarStreamReader.Block;

        private static string Shown(ListedEntry entry) => string.Join("/", entry.Parts.Select(p => UntrustedValue.FileNameProblem(p) == null ? p : UntrustedValue.Printable(p)));

        private static bool IsLocalProblem(Exception e) => e is IOException || e is UnauthorizedAccessException || e is ArgumentException;

        private static ArenaSkippedFile Skip(string path, string reason) => new ArenaSkippedFile { Path = path, Reason = reason };

        /// <summary>Reads through, counting, and refuses to read past a cap: a stream that goes on after what was asked for ends there.</summary>
        private sealed class BoundedReadStream : Stream
        {
            private readonly Stream _inner;
            private readonly long _cap;

            public BoundedReadStream(Stream inner, long cap)
            {
                _inner = inner;
                _cap = cap;
            }

            public long Consumed { get; private set; }

            public override int Read(byte[] buffer, int offset, int count)
            {
                if (Consumed >= _cap) throw new TarFormatException($"the pod sent more than the {_cap} bytes asked for");
                var read = _inner.Read(buffer, offset, (int)Math.Min(count, _cap - Consumed));
                Consumed += read;
                return read;
            }

            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => Consumed; set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }
    }

    /// <summary>A backup step that failed on the pod's side; the step's name goes into FailedStep.</summary>
    internal sealed class BackupStepException : Exception
    {
        public BackupStepException(string step, string message) : base(message)
        {
            Step = step;
        }

        public string Step { get; }
    }
}
