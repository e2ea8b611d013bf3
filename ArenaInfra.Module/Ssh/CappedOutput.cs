using System;
using System.IO;
using System.Text;

namespace ArenaInfra.Ssh
{
    /// <summary>
    /// A command's output as it arrives, kept to its first and last part: a pod that prints without end
    /// (a flooding nvidia-smi, say) costs at most HeadBytes + TailBytes, and the text says what was cut.
    /// </summary>
    internal sealed class CappedOutput
    {
        public const int HeadBytes = 256 * 1024;
        public const int TailBytes = 64 * 1024;

        private readonly object _gate = new object();
        private readonly MemoryStream _head = new MemoryStream();
        private readonly byte[] _tail = new byte[TailBytes];
        private long _tailWritten;
        private long _total;

        public long TotalBytes
        {
            get { lock (_gate) return _total; }
        }

        /// <summary>More arrived than is kept.</summary>
        public bool Cut
        {
            get { lock (_gate) return _total > HeadBytes + TailBytes; }
        }

        public void Add(byte[] buffer, int count)
        {
            lock (_gate)
            {
                _total += count;
                var offset = 0;
                if (_head.Length < HeadBytes)
                {
                    var take = (int)Math.Min(count, HeadBytes - _head.Length);
                    _head.Write(buffer, 0, take);
                    offset = take;
                }
                for (var i = offset; i < count; i++) _tail[_tailWritten++ % TailBytes] = buffer[i];
            }
        }

        /// <summary>Reads a stream to its end (or until it is closed under us), keeping what the caps allow.</summary>
        public void ReadAll(Stream stream)
        {
            var buffer = new byte[16384];
            try
            {
                int read;
                while ((read = stream.Read(buffer, 0, buffer.Length)) > 0) Add(buffer, read);
            }
            catch (Exception e) when (e is ObjectDisposedException || e is IOException || e is InvalidOperationException)
            {
                // The command was cancelled or the connection closed: what arrived is what there is.
            }
        }

        public string Text
        {
            get
            {
                lock (_gate)
                {
                    var head = Encoding.UTF8.GetString(_head.GetBuffer(), 0, (int)_head.Length);
                    if (_tailWritten == 0) return head;
                    var kept = (int)Math.Min(_tailWritten, TailBytes);
                    var tail = new byte[kept];
                    var start = _tailWritten - kept;
                    for (var i = 0; i < kept; i++) tail[i] = _tail[(start + i) % TailBytes];
                    var cut = _total - _head.Length - kept;
                    var middle = cut > 0 ? $"\n[... {cut} bytes of output cut ...]\n" : "";
                    return head + middle + Encoding.UTF8.GetString(tail);
                }
            }
        }
    }
}
