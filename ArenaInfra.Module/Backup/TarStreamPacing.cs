using System;
using System.IO;
using System.Threading;

namespace ArenaInfra.Backup
{
    /// <summary>
    /// Flow control for a pod's tar stream, kept by us because SSH.NET keeps none: it opens every channel
    /// with a 2 GB window, so the pod's sshd reads tar's output as fast as tar writes it and holds up to
    /// 16 MB of it, and OpenSSH grows that buffer by copying it whole (about 8 GB of copying a channel).
    /// Ten pods' full backups spent 34 s of the pods' CPU where rsync, whose client allows 2 MB at a
    /// time, spent 5 (paced, 11). Here tar itself waits: at every checkpoint (a chunk written) it reads a newline
    /// from what we send, and we send one for each chunk read here, a few ahead, so the pod never holds
    /// more than those few chunks. tar stays the command's own process: its stream ends when tar ends,
    /// cut short or not, and a signal reaches it.
    /// </summary>
    internal sealed class TarStreamPacing : IDisposable
    {
        /// <summary>
        /// tar's records between checkpoints (its records are 10,240 bytes): 4 MB. Each checkpoint starts a
        /// shell on the pod, so fewer checkpoints spend less of the pod's CPU: a GB streamed with a checkpoint
        /// every 2 MB took tar and its shells 4.7 s of CPU on the test machine, every 4 MB 3.0 s.
        /// </summary>
        public const int ChunkRecords = 400;

        /// <summary>What one newline lets the pod send.</summary>
        public const int ChunkBytes = ChunkRecords * 10240;

        /// <summary>
        /// Chunks the pod may send before the first is read: 8 MB, a link of 100 ms kept busy at 80 MB/s.
        /// More is worse: at 16 MB (8 MB chunks) the pods' sshd buffered and copied again, and ten pods'
        /// full backups spent 26 s of the pods' CPU instead of 9.
        /// </summary>
        public const int ChunksAhead = 2;

        private readonly SemaphoreSlim _due = new SemaphoreSlim(0);
        private long _granted;
        private volatile bool _finished;

        /// <summary>
        /// The pod's side: the names (namesBytes of them, read first into a file of their own, so the
        /// newlines that follow on standard input are never taken for names), then tar with its standard
        /// input moved to fd 3 for its checkpoints to read (tar gives a checkpoint's command its standard
        /// error as output, so nothing it does reaches the stream) and /dev/null in its place.
        /// </summary>
        /// <summary>guard: a condition that must still hold before tar reads a name (the course repo's link, when names go through it).</summary>
        public static string Command(long namesBytes, string? guard = null) =>
            "sh -c '"
            + $"cd || exit {HomeListing.NoHome}; "
            + (guard == null ? "" : $"{guard} || exit {RepoLink.Changed}; ")
            + $"n=$(mktemp) || exit {HomeListing.NoMktemp}; "
            + $"head -c {namesBytes} > \"$n\" && exec 4< \"$n\"; s=$?; rm -f \"$n\"; [ \"$s\" = 0 ] || exit {HomeListing.NoMktemp}; "
            + "exec 3<&0 0</dev/null; "
            + "exec tar -cf - --format=gnu --no-recursion --hard-dereference --null -T /dev/fd/4 "
            + $"--checkpoint={ChunkRecords} --checkpoint-action=exec=\"read -r _ <&3\"'";

        /// <summary>
        /// Our side's input: the names, a newline for each chunk ahead but the first (tar writes a chunk
        /// before its first checkpoint), then a newline a chunk read, until the reading ends.
        /// </summary>
        public void WriteInput(Stream input, byte[] names)
        {
            input.Write(names, 0, names.Length);
            for (var i = 1; i < ChunksAhead; i++) input.WriteByte((byte)'\n');
            input.Flush();
            while (true)
            {
                _due.Wait();
                if (_finished) return;
                try
                {
                    input.WriteByte((byte)'\n');
                    input.Flush();
                }
                catch (Exception)
                {
                    // tar ended and the channel with it while a newline was on its way: the stream itself
                    // says whether it was whole, and a newline nobody reads has nothing to report.
                    return;
                }
            }
        }

        /// <summary>Told how much of the stream has been read here: a newline for each whole chunk not yet answered.</summary>
        public void Read(long totalBytes)
        {
            var chunks = totalBytes / ChunkBytes;
            while (_granted < chunks)
            {
                _granted++;
                _due.Release();
            }
        }

        /// <summary>The reading is over (done or failed): the input ends, and with it the pod's loop.</summary>
        public void Finish()
        {
            _finished = true;
            _due.Release();
        }

        public void Dispose() => _due.Dispose();
    }
}
