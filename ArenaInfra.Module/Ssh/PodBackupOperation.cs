using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Renci.SshNet;
using Renci.SshNet.Sftp;

namespace ArenaInfra.Ssh
{
    /// <summary>
    /// backup: the pod's home over SFTP, incremental. Everything the pod sends is untrusted: names are
    /// checked before they become local paths (always under the pod's folder), sizes are capped as
    /// bytes arrive, the walk is bounded in depth and entries (no recursion a pod can overflow), every
    /// SFTP operation has a deadline, and a file that cannot be fetched is skipped with its reason while
    /// the rest is copied. A file never appears under its name until it is complete, and never more
    /// open than on the pod.
    /// </summary>
    internal sealed class PodBackupOperation : PodOperation<ArenaPodBackupResult>
    {
        public const int MaxDepth = 32;
        public const int MaxEntries = 200000;

        private readonly string _root;
        private readonly long _maxFileBytes;

        /// <summary>root: the label's folder; each pod gets a folder of its own in it, named after the pod.</summary>
        public PodBackupOperation(string root, long maxFileBytes)
        {
            _root = root;
            _maxFileBytes = maxFileBytes;
        }

        public override string Activity => "Backing up pods";

        /// <summary>How long one SFTP operation (a listing, a read) may take.</summary>
        public TimeSpan SftpOperationTimeout { get; set; } = TimeSpan.FromSeconds(30);

        protected override bool Work(PodSession pod, ArenaPodBackupResult result)
        {
            string destination;
            try
            {
                destination = UntrustedValue.PathUnder(_root, new[] { pod.Pod.Name });
            }
            catch (ArgumentException e)
            {
                return pod.Fail("Destination", $"nothing was copied: the pod's name cannot be a folder name ({e.Message})", ArenaErrorIds.InvalidPodName);
            }
            result.Destination = destination;
            var skipped = new List<ArenaSkippedFile>();
            // The whole pod within -TimeoutSec; closing the session ends any read that hangs.
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(pod.Cancellation);
            deadline.CancelAfter(Timeout);
            SftpClient sftp;
            try
            {
                // No single SFTP wait may outlast the pod's whole deadline (a stalled server never answers its start).
                sftp = pod.Connection.OpenSftp(SftpOperationTimeout < Timeout ? SftpOperationTimeout : Timeout, deadline.Token);
            }
            catch (SshStageException e)
            {
                return pod.Fail("Sftp", e.Message, e.ErrorId);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !pod.Cancellation.IsCancellationRequested)
            {
                return pod.Fail("Timeout", $"the pod's SFTP server did not start within {Timeout.TotalSeconds:0} s; nothing was copied", ArenaErrorIds.SftpFailed);
            }
            using (sftp)
            using (deadline.Token.Register(sftp.Dispose))
            {
                try
                {
                    SafeFile.CreatePrivateDirectory(_root);
                    SafeFile.CreatePrivateDirectory(destination);
                    Walk(sftp, pod.Home.TrimEnd('/'), destination, result, skipped, deadline.Token);
                }
                catch (Exception) when (deadline.IsCancellationRequested && !pod.Cancellation.IsCancellationRequested)
                {
                    Finish(result, skipped);
                    return pod.Fail("Timeout", $"the backup did not finish within {Timeout.TotalSeconds:0} s; {result.Files} file(s) are in it");
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is Renci.SshNet.Common.SshException || e is ObjectDisposedException)
                {
                    Finish(result, skipped);
                    return pod.Fail("Download", e.Message, ArenaErrorIds.SftpFailed);
                }
            }
            Finish(result, skipped);
            return true;
        }

        private static void Finish(ArenaPodBackupResult result, List<ArenaSkippedFile> skipped)
        {
            result.Skipped = skipped.ToArray();
            result.SkippedFiles = skipped.Select(s => s.Path).ToArray();
        }

        /// <summary>Walks the home breadth-first with a queue, not recursion: a pod's endless nesting meets the depth cap.</summary>
        private void Walk(SftpClient sftp, string home, string localRoot, ArenaPodBackupResult result, List<ArenaSkippedFile> skipped, CancellationToken token)
        {
            var pending = new Queue<(string Remote, string[] Relative)>();
            pending.Enqueue((home, Array.Empty<string>()));
            var entries = 0;
            while (pending.Count > 0)
            {
                var (remoteDir, relative) = pending.Dequeue();
                IEnumerable<ISftpFile> listing;
                try
                {
                    listing = sftp.ListDirectory(remoteDir).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
                }
                catch (Exception e) when (IsFileProblem(e) && relative.Length > 0)
                {
                    skipped.Add(Skip(relative, $"the folder could not be listed ({e.Message})"));
                    continue;
                }
                foreach (var entry in listing)
                {
                    token.ThrowIfCancellationRequested();
                    if (entry.Name == "." || entry.Name == "..") continue;
                    if (++entries > MaxEntries)
                    {
                        skipped.Add(Skip(relative, $"the backup stopped listing after {MaxEntries} entries"));
                        return;
                    }
                    var problem = UntrustedValue.FileNameProblem(entry.Name);
                    var parts = relative.Concat(new[] { problem == null ? entry.Name : UntrustedValue.Printable(entry.Name) }).ToArray();
                    if (problem != null)
                    {
                        skipped.Add(Skip(parts, $"{problem}, which no local disk can keep"));
                        continue;
                    }
                    if (entry.IsDirectory)
                    {
                        if (entry.Name.StartsWith(".", StringComparison.Ordinal) || entry.Name == "site-packages") continue;
                        if (parts.Length > MaxDepth)
                        {
                            skipped.Add(Skip(parts, $"the folder is nested deeper than {MaxDepth} levels"));
                            continue;
                        }
                        pending.Enqueue((entry.FullName, parts));
                        continue;
                    }
                    if (!entry.IsRegularFile) continue;
                    if (entry.Length > _maxFileBytes)
                    {
                        skipped.Add(Skip(parts, $"larger than {_maxFileBytes / (1024 * 1024)} MB"));
                        continue;
                    }
                    try
                    {
                        Fetch(sftp, entry, parts, localRoot, result);
                    }
                    catch (Exception e) when (IsFileProblem(e) && !token.IsCancellationRequested)
                    {
                        skipped.Add(Skip(parts, e.Message));
                    }
                }
            }
        }

        private void Fetch(SftpClient sftp, ISftpFile entry, string[] parts, string localRoot, ArenaPodBackupResult result)
        {
            var local = UntrustedValue.PathUnder(localRoot, parts);
            var remoteTime = entry.LastWriteTimeUtc;
            if (File.Exists(local) && new FileInfo(local).Length == entry.Length && Math.Abs((File.GetLastWriteTimeUtc(local) - remoteTime).TotalSeconds) < 1)
            {
                result.Files++;
                result.Bytes += entry.Length;
                result.Unchanged++;
                return;
            }
            var folder = Path.GetDirectoryName(local)!;
            CreateFolders(localRoot, folder);
            // A short temporary name: the real one may already be at the file system's limit.
            var partial = Path.Combine(folder, ".arena-" + Guid.NewGuid().ToString("N").Substring(0, 12) + ".part");
            long written;
            try
            {
                using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    SafeFile.OwnerOnly(partial);
                    var capped = new CappedStream(file, _maxFileBytes);
                    sftp.DownloadFile(entry.FullName, capped);
                    written = capped.Written;
                }
                // Never more open than on the pod, and never open to anyone but the owner here.
                SafeFile.SetMode(partial, (entry.Attributes.OwnerCanRead ? 0x100 : 0) | (entry.Attributes.OwnerCanWrite ? 0x80 : 0) | (entry.Attributes.OwnerCanExecute ? 0x40 : 0) | 0x100);
                File.SetLastWriteTimeUtc(partial, remoteTime);
                if (File.Exists(local)) File.Delete(local);
                File.Move(partial, local);
            }
            finally
            {
                if (File.Exists(partial)) File.Delete(partial);
            }
            result.Files++;
            result.Bytes += written;
            result.Downloaded++;
        }

        /// <summary>Creates the folders below the pod's folder, owner-only, each checked to stay under it.</summary>
        private static void CreateFolders(string localRoot, string folder)
        {
            var root = Path.GetFullPath(localRoot);
            if (Directory.Exists(folder)) return;
            var missing = new Stack<string>();
            for (var at = Path.GetFullPath(folder); at.Length > root.Length && !Directory.Exists(at); at = Path.GetDirectoryName(at)!) missing.Push(at);
            while (missing.Count > 0) SafeFile.CreatePrivateDirectory(missing.Pop());
        }

        private static bool IsFileProblem(Exception e) =>
            e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is Renci.SshNet.Common.SftpPathNotFoundException
            || e is Renci.SshNet.Common.SftpPermissionDeniedException || e is Renci.SshNet.Common.SshException || e is ArenaException;

        private static ArenaSkippedFile Skip(string[] parts, string reason) => new ArenaSkippedFile { Path = parts.Length == 0 ? "." : string.Join("/", parts), Reason = reason };

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
                if (Written + count > _cap) throw new IOException($"the file sent more than {_cap / (1024 * 1024)} MB; it was left out");
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
}
