using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using ArenaInfra.Operations;
using ArenaInfra.Ssh;
using ArenaInfra.Workspace;
using Renci.SshNet;

namespace ArenaInfra.Transfer
{
    /// <summary>
    /// Copy-ArenaPodItem on one pod: the pod's paths checked and its folders made (CopyScripts.Prepare),
    /// each file sent over SFTP under a temporary name in its folder (created new, never opened through
    /// a link), and then checked and renamed by the pod (CopyScripts.Finish). A file counts as copied only
    /// when the pod's own size and SHA-256 of it match what this machine planned and sent.
    /// </summary>
    internal sealed class PodCopyOperation : PodOperation<ArenaCopyResult>
    {
        private readonly CopyPlan _plan;
        private readonly string _repoName;
        private readonly bool _force;
        private readonly TimeSpan _deadline;

        public PodCopyOperation(CopyPlan plan, string repoName, bool force, TimeSpan deadline)
        {
            _plan = plan;
            _repoName = repoName;
            _force = force;
            _deadline = deadline;
        }

        public override string Activity => "Copying to pods";

        protected override bool Work(PodSession pod, ArenaCopyResult result)
        {
            var home = pod.Home;
            if (!home.StartsWith("/", StringComparison.Ordinal) || home.Any(c => c < ' '))
            {
                return pod.Fail("Destination", "the pod's $HOME is not an absolute path", ArenaErrorIds.CopyDestinationInvalid);
            }
            var destination = pod.Expand(_plan.Destination);
            result.Destination = destination;
            var items = _plan.Files.Select(f => new ArenaCopiedFile { Destination = _plan.PathOf(f, destination), Bytes = f.Bytes, Sha256 = f.Sha256 }).ToList();
            result.Items = items;
            var paths = _plan.Files.Select(f => _plan.PathOf(f, destination)).ToList();
            var (allowFrom, allowTo) = RepoLink(pod, home);

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(pod.Cancellation);
            deadline.CancelAfter(_deadline);
            var temporaries = new List<string>();
            try
            {
                var prepared = pod.Connection.Run(CopyScripts.Prepare(paths.Select((p, i) => (p, _plan.Files[i].Sha256)).ToList(), _force, allowFrom, allowTo), pod.Timeout, deadline.Token);
                var answers = CopyScripts.Read(prepared.StdOut);
                if (Refused(pod, prepared, answers, paths)) return false;
                foreach (var same in answers.Where(a => a.Word == "same" && a.Index >= 0 && a.Index < items.Count)) items[same.Index].Status = ArenaCopyFileStatus.Unchanged;

                var sent = new List<(int Index, string Temporary, string Path, string Sha256, long Bytes)>();
                using (var sftp = pod.Connection.OpenSftp(pod.Timeout, deadline.Token))
                using (deadline.Token.Register(sftp.Dispose))
                {
                    for (var i = 0; i < items.Count; i++)
                    {
                        if (items[i].Status == ArenaCopyFileStatus.Unchanged) continue;
                        deadline.Token.ThrowIfCancellationRequested();
                        var temporary = CopyScripts.Folder(paths[i]).TrimEnd('/') + "/.arena-" + Guid.NewGuid().ToString("N").Substring(0, 12) + ".part";
                        temporaries.Add(temporary);
                        var sentHash = Upload(sftp, _plan.Files[i].LocalPath, temporary);
                        // The local file changed since it was planned: what the pod has is not what was planned.
                        if (sentHash != _plan.Files[i].Sha256) items[i].Status = ArenaCopyFileStatus.NotVerified;
                        else sent.Add((i, temporary, paths[i], _plan.Files[i].Sha256, _plan.Files[i].Bytes));
                    }
                }
                if (sent.Count > 0)
                {
                    var finished = pod.Connection.Run(CopyScripts.Finish(sent, allowFrom, allowTo), pod.Timeout, deadline.Token);
                    var finishAnswers = CopyScripts.Read(finished.StdOut);
                    foreach (var s in sent)
                    {
                        var word = finishAnswers.Where(a => a.Index == s.Index).Select(a => a.Word).LastOrDefault();
                        items[s.Index].Status = word == "ok" ? ArenaCopyFileStatus.Copied : ArenaCopyFileStatus.NotVerified;
                        if (word == "ok") temporaries.Remove(s.Temporary);
                    }
                    if (finished.ExitCode == 20 || finishAnswers.Any(a => a.Word == "link"))
                    {
                        return pod.Fail("Finish", $"a link appeared on the pod at or above {Index(finishAnswers, "link", paths)}: nothing more was written", ArenaErrorIds.CopyPathIsLink);
                    }
                }
                var unverified = items.Where(i => i.Status != ArenaCopyFileStatus.Copied && i.Status != ArenaCopyFileStatus.Unchanged).ToList();
                if (unverified.Count > 0)
                {
                    return pod.Fail("Verify", $"{unverified.Count} file(s) did not match on the pod (size or SHA-256), such as {unverified[0].Destination}; they were not put in place", ArenaErrorIds.CopyNotVerified);
                }
                return true;
            }
            catch (OperationCanceledException) when (!pod.Cancellation.IsCancellationRequested)
            {
                return pod.Fail("Deadline", $"the copy did not finish within {_deadline.TotalSeconds:0} s", ArenaErrorIds.PodOperationFailed);
            }
            catch (Exception e) when (e is Renci.SshNet.Common.SshException || e is IOException || e is UnauthorizedAccessException)
            {
                return pod.Fail("Upload", $"SFTP could not write a file: {e.Message}", ArenaErrorIds.SftpFailed);
            }
            finally
            {
                if (temporaries.Count > 0 && !pod.Cancellation.IsCancellationRequested) Remove(pod, temporaries);
            }
        }

        /// <summary>The home's course repo link to the volume copy, the one link a walk accepts (Initialize-ArenaPod's Workspace step makes it).</summary>
        private (string?, string?) RepoLink(PodSession pod, string home)
        {
            var volume = RepoOnVolume.VolumePath(pod.Pod);
            if (volume == null || !RepoOnVolume.IsSafeRepoName(_repoName)) return (null, null);
            var variable = pod.Shell($"printf %s \"${{{RepoOnVolume.VolumeVariable}:-}}\"").StdOut;
            var ws = RepoOnVolume.IsPlainPath(variable) ? variable : volume;
            return (home.TrimEnd('/') + "/" + _repoName, ws + "/" + _repoName);
        }

        /// <summary>True when the pod refused the copy before anything was written (the reason recorded on the result).</summary>
        private static bool Refused(PodSession pod, CommandOutput prepared, List<(string Word, int Index)> answers, List<string> paths)
        {
            if (prepared.ExitCode == 0 && !prepared.TimedOut) return false;
            // Each Fail records the step and answers false: refused, whichever it was.
            return !(prepared.ExitCode switch
            {
                20 => pod.Fail("Destination", $"a link on the pod at or above {Index(answers, "link", paths)}: a copy never writes through one; nothing was written", ArenaErrorIds.CopyPathIsLink),
                22 => pod.Fail("Destination", $"something that is not a {(answers.Any(a => a.Word == "notdir") ? "folder" : "file")} is in the way at or above {Index(answers, answers.Any(a => a.Word == "notdir") ? "notdir" : "notfile", paths)}; nothing was written", ArenaErrorIds.CopyDestinationExists),
                23 => pod.Fail("Destination", $"a different file is already at {Index(answers, "exists", paths)}; nothing was written (-Force replaces it)", ArenaErrorIds.CopyDestinationExists),
                _ => pod.Check("Prepare", prepared),
            });
        }

        private static string Index(List<(string Word, int Index)> answers, string word, List<string> paths)
        {
            var i = answers.Where(a => a.Word == word).Select(a => a.Index).FirstOrDefault();
            return i >= 0 && i < paths.Count ? paths[i] : "the destination";
        }

        /// <summary>Sends one file under its temporary name, created new (an existing name, a link included, fails); returns the SHA-256 of what was sent.</summary>
        private static string Upload(SftpClient sftp, string local, string temporary)
        {
            using var file = new FileStream(local, FileMode.Open, FileAccess.Read, FileShare.Read);
            using var hashing = new HashingStream(file);
            sftp.UploadFile(hashing, temporary, canOverride: false);
            return hashing.Finish();
        }

        private static void Remove(PodSession pod, List<string> temporaries)
        {
            try
            {
                pod.Connection.Run("rm -f -- " + string.Join(" ", temporaries.Select(PodCheck.ShellQuote)), TimeSpan.FromSeconds(15), pod.Cancellation);
            }
            catch (SshStageException)
            {
                // A temporary name left behind is named .arena-*.part: harmless, and the result already says what failed.
            }
        }

        /// <summary>A read-only pass-through that hashes what is read.</summary>
        private sealed class HashingStream : Stream
        {
            private readonly Stream _inner;
            private readonly SHA256 _sha = SHA256.Create();

            public HashingStream(Stream inner) => _inner = inner;

            public string Finish()
            {
                _sha.TransformFinalBlock(Array.Empty<byte>(), 0, 0);
                return CopyPlan.Hex(_sha.Hash!);
            }

            public override int Read(byte[] buffer, int offset, int count)
            {
                var n = _inner.Read(buffer, offset, count);
                if (n > 0) _sha.TransformBlock(buffer, offset, n, null, 0);
                return n;
            }

            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => _inner.Length;
            public override long Position { get => _inner.Position; set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

            protected override void Dispose(bool disposing)
            {
                if (disposing) _sha.Dispose();
                base.Dispose(disposing);
            }
        }
    }
}
