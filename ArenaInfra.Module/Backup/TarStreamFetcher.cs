using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using ArenaInfra.Backup.Tar;
using ArenaInfra.Common;
using ArenaInfra.Operations;

namespace ArenaInfra.Backup
{
    /// <summary>
    /// A plan's files in one tar stream over one channel, whatever their number (SFTP costs several
    /// round trips a file; this, one command a backup). The pod writes the stream, so it is read
    /// strictly: only files that were listed and asked for are written, each exactly its listed size,
    /// never a link or a folder where a file was asked for, never a name twice, and the whole stream is
    /// capped at what was asked for.
    /// </summary>
    internal sealed class TarStreamFetcher : IBackupFetcher
    {
        private readonly BackupRun _run;
        private readonly PodSession _pod;

        public TarStreamFetcher(BackupRun run, PodSession pod)
        {
            _run = run;
            _pod = pod;
        }

        public void Fetch(BackupPlan plan, CancellationToken token)
        {
            _pod.Log.Verbose($"{_pod.Pod.Name}: {plan.Unchanged.Count + plan.Wanted.Count} file(s) listed, {plan.Wanted.Count} to fetch ({plan.WantedBytes / 1048576.0:0.0} MB) in one stream.");
            if (plan.Wanted.Count > 0) FetchInOneStream(plan.Wanted, token);
        }

        private void FetchInOneStream(List<ListedEntry> wanted, CancellationToken token)
        {
            var pending = new Dictionary<string, ListedEntry>(StringComparer.Ordinal);
            var nameList = new MemoryStream();
            long expected = 2 * 10240;
            foreach (var entry in wanted)
            {
                pending[entry.Path] = entry;
                var name = Encoding.UTF8.GetBytes("./" + entry.Path);
                nameList.Write(name, 0, name.Length);
                nameList.WriteByte(0);
                expected += TarStreamReader.Block + Round(entry.Size) + (name.Length >= 99 ? TarStreamReader.Block + Round(name.Length + 1) : 0);
            }
            using var finisher = new FileFinisher();
            using var pacing = new TarStreamPacing();
            var names = nameList.ToArray();
            // The stream of the files asked for, in the order asked (names NUL-separated, each with ./ so
            // that none can be read as an option): GNU's format, no recursion into a folder that replaced a
            // file, hard links sent as the files they are, and a chunk at a time (TarStreamPacing).
            // Names in the course repo go through ~/<repo>: only while it is still the link the listing checked.
            var guard = _run.Result.RepoPath != null && wanted.Exists(w => _run.Repo!.Holds(w.Path)) ? _run.Repo!.Condition : null;
            var stream = _pod.Connection.Stream(TarStreamPacing.Command(names.Length, guard), input => pacing.WriteInput(input, names), output =>
            {
                // Headers, names and padding on top of the files' sizes, and not a megabyte more.
                var bounded = new BoundedReadStream(output, expected + 1024 * 1024, pacing.Read);
                var reader = new TarStreamReader(bounded);
                try
                {
                    for (var entry = reader.Next(); entry != null; entry = reader.Next())
                    {
                        token.ThrowIfCancellationRequested();
                        Take(reader, entry, pending, finisher);
                    }
                }
                finally
                {
                    pacing.Finish();
                    _run.Result.TransferredBytes += bounded.Consumed;
                }
            }, token);
            // Every file on the disk and under its name before the fetch is done: the record comes after.
            finisher.Complete();
            if (guard != null && stream.ExitCode == RepoLink.Changed)
            {
                throw new BackupStepException("Download", $"~/{_run.Repo!.Name} changed after the listing and is no longer the link to the volume's copy: it was not followed, and nothing was copied; run the backup again");
            }
            var problems = HomeListing.Problems(stream.StdErr);
            foreach (var missing in pending.Values)
            {
                var why = problems.TryGetValue(missing.Path, out var said) ? $"the pod could not send it ({said})" : "the pod did not send it (it vanished or could not be read)";
                _run.Skipped.Add(Skip(missing.Path, why));
            }
        }

        /// <summary>One entry of the stream: written only when it is a regular file that was asked for, once, at its listed size.</summary>
        private void Take(TarStreamReader reader, TarEntry entry, Dictionary<string, ListedEntry> pending, FileFinisher finisher)
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
                // A file this machine could not write (BackupWriteException) ends the backup: it is not a skip.
                // Counted once it has its name, as a file written here always was.
                _run.Folder.Write(listed.Parts, listed.Size, exactSize: true, listed.Mode, time, reader.CopyData, finisher, written => _run.Fetched(listed, written, listed.Mode));
            }
            catch (Exception e) when (IsPodProblem(e))
            {
                _run.Skipped.Add(Skip(listed.Path, e.Message));
            }
        }

        private static long Round(long size) => (size + TarStreamReader.Block - 1) / TarStreamReader.Block * TarStreamReader.Block;

        /// <summary>What the pod sent wrong for one file (more bytes than it listed, a name that cannot be a path); the stream itself breaking is not one.</summary>
        private static bool IsPodProblem(Exception e) => (e is IOException && !(e is TarFormatException)) || e is ArgumentException;

        private static ArenaSkippedFile Skip(string path, string reason) => BackupRun.Skip(path, reason);

        /// <summary>Reads through, counting, and refuses to read past a cap: a stream that goes on after what was asked for ends there.</summary>
        private sealed class BoundedReadStream : Stream
        {
            private readonly Stream _inner;
            private readonly long _cap;
            private readonly Action<long> _progress;

            /// <summary>progress: told the bytes read so far after every read.</summary>
            public BoundedReadStream(Stream inner, long cap, Action<long> progress)
            {
                _inner = inner;
                _cap = cap;
                _progress = progress;
            }

            public long Consumed { get; private set; }

            public override int Read(byte[] buffer, int offset, int count)
            {
                if (Consumed >= _cap) throw new TarFormatException($"the pod sent more than the {_cap} bytes asked for");
                var read = _inner.Read(buffer, offset, (int)Math.Min(count, _cap - Consumed));
                Consumed += read;
                _progress(Consumed);
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
}
