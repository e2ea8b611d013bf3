using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace ArenaInfra.Ssh
{
    /// <summary>backup: the pod's home over SFTP, incremental, never a partial file under a complete name.</summary>
    internal sealed class PodBackupOperation : PodOperation<ArenaPodBackupResult>
    {
        private readonly string _root;
        private readonly long _maxFileBytes;

        /// <summary>root: the label's folder; each pod gets a folder of its own in it, named after the pod.</summary>
        public PodBackupOperation(string root, long maxFileBytes)
        {
            _root = root;
            _maxFileBytes = maxFileBytes;
        }

        public override string Activity => "Backing up pods";

        protected override bool Work(PodSession pod, ArenaPodBackupResult result)
        {
            var destination = Path.Combine(_root, pod.Pod.Name);
            var maxFileBytes = _maxFileBytes;
            result.Destination = destination;
            var skipped = new List<string>();
            Renci.SshNet.SftpClient sftp;
            try
            {
                sftp = pod.Connection.OpenSftp(pod.Cancellation);
            }
            catch (SshStageException e)
            {
                return pod.Fail("Sftp", e.Message, e.ErrorId);
            }
            using (sftp)
            {
                try
                {
                    Directory.CreateDirectory(destination);
                    Walk(sftp, pod, pod.Home.TrimEnd('/'), "", destination, maxFileBytes, result, skipped);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is Renci.SshNet.Common.SshException)
                {
                    result.SkippedFiles = skipped.ToArray();
                    return pod.Fail("Download", e.Message);
                }
            }
            result.SkippedFiles = skipped.ToArray();
            return true;
        }

        private static void Walk(Renci.SshNet.SftpClient sftp, PodSession pod, string remoteDir, string relative, string localRoot, long maxFileBytes, ArenaPodBackupResult result, List<string> skipped)
        {
            foreach (var entry in sftp.ListDirectory(remoteDir).OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                pod.Cancellation.ThrowIfCancellationRequested();
                if (entry.Name == "." || entry.Name == "..") continue;
                var path = relative.Length == 0 ? entry.Name : relative + "/" + entry.Name;
                if (entry.IsDirectory)
                {
                    if (entry.Name.StartsWith(".", StringComparison.Ordinal) || entry.Name == "site-packages") continue;
                    Walk(sftp, pod, entry.FullName, path, localRoot, maxFileBytes, result, skipped);
                    continue;
                }
                if (!entry.IsRegularFile) continue;
                if (entry.Length > maxFileBytes)
                {
                    skipped.Add(path);
                    continue;
                }
                var local = Path.Combine(localRoot, path.Replace('/', Path.DirectorySeparatorChar));
                var remoteTime = entry.LastWriteTimeUtc;
                result.Files++;
                result.Bytes += entry.Length;
                if (File.Exists(local) && new FileInfo(local).Length == entry.Length && Math.Abs((File.GetLastWriteTimeUtc(local) - remoteTime).TotalSeconds) < 1)
                {
                    result.Unchanged++;
                    continue;
                }
                Directory.CreateDirectory(Path.GetDirectoryName(local)!);
                var partial = local + ".arena-partial";
                using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None))
                {
                    sftp.DownloadFile(entry.FullName, file);
                }
                File.SetLastWriteTimeUtc(partial, remoteTime);
                if (File.Exists(local)) File.Delete(local);
                File.Move(partial, local);
                result.Downloaded++;
            }
        }
    }

}
