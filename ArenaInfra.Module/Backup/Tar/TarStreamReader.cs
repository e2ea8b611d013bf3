using System;
using System.IO;
using System.Text;
using ArenaInfra.Common;

namespace ArenaInfra.Backup.Tar
{
    /// <summary>One header of a tar stream, as the pod sent it: nothing in it is trusted yet.</summary>
    internal sealed class TarEntry
    {
        /// <summary>The name, or null when it was not valid UTF-8 (no file asked for can have such a name).</summary>
        public string? Name { get; set; }
        /// <summary>The tar type flag: '0' a regular file, '1' a hard link, '2' a symbolic link, '5' a folder, ...</summary>
        public char Type { get; set; }
        public long Size { get; set; }
        public DateTime ModifiedUtc { get; set; }

        public bool IsRegularFile => Type == '0' || Type == '\0' || Type == '7';

        /// <summary>What the entry is, for a message about why it was refused.</summary>
        public string Kind => Type switch
        {
            '1' => "a hard link",
            '2' => "a symbolic link",
            '3' => "a character device",
            '4' => "a block device",
            '5' => "a folder",
            '6' => "a named pipe",
            'S' => "a sparse file",
            _ => IsRegularFile ? "a file" : $"an entry of tar type '{UntrustedValue.Printable(Type.ToString())}'",
        };
    }

    /// <summary>The stream is not a tar stream, or ended in the middle of an entry: nothing after this point can be trusted.</summary>
    internal sealed class TarFormatException : IOException
    {
        public TarFormatException(string message) : base(message) { }
    }

    /// <summary>
    /// Reads the tar stream GNU tar writes (<c>--format=gnu</c>: ustar headers, GNU long names), strictly,
    /// because a pod's root user writes it: every header's checksum is checked, a long name is at most
    /// MaxNameBytes, numbers must be numbers, and the stream's end must fall on an entry's boundary.
    /// It only reads; what an entry may become on disk is the caller's decision. Written here rather
    /// than taken from a general tar library because every field of a hostile stream must be bounded
    /// and checked, and the one dialect GNU tar writes is all a pod needs to send.
    /// </summary>
    internal sealed class TarStreamReader
    {
        public const int Block = 512;
        /// <summary>Longer than any path Linux accepts (4,096 bytes), so a real long name always fits.</summary>
        public const int MaxNameBytes = 16384;

        private static readonly Encoding StrictUtf8 = new UTF8Encoding(false, throwOnInvalidBytes: true);
        private readonly Stream _input;
        private readonly byte[] _header = new byte[Block];
        // One buffer for the whole stream: a new one a file was most of what a backup of small files allocated.
        private readonly byte[] _buffer = new byte[81920];
        private long _dataLeft;
        private long _padding;

        public TarStreamReader(Stream input)
        {
            _input = input;
        }

        /// <summary>The next entry, or null at the end of the archive. Any data of the previous entry not read is skipped.</summary>
        public TarEntry? Next()
        {
            SkipData();
            byte[]? longName = null;
            while (true)
            {
                if (!ReadBlock(_header, atBoundary: true)) return null;
                if (IsZero(_header)) return null;
                CheckSum(_header);
                var type = (char)_header[156];
                var size = Number(_header, 124, 12, "size");
                if (size < 0) throw new TarFormatException("a tar header gives a negative size");
                if (type == 'L' || type == 'K')
                {
                    // A GNU long name (L) or long link target (K) for the entry that follows: bounded, then read whole.
                    if (size > MaxNameBytes) throw new TarFormatException($"a long name of {size} bytes (more than {MaxNameBytes})");
                    var bytes = new byte[size];
                    ReadExactly(bytes, (int)size);
                    SkipExactly(Pad(size));
                    if (type == 'L') longName = bytes;
                    continue;
                }
                var entry = new TarEntry
                {
                    Name = Decode(longName ?? Field(_header, 0, 100), longName == null ? Prefix(_header) : null),
                    Type = type,
                    Size = size,
                    ModifiedUtc = Time(Number(_header, 136, 12, "mtime")),
                };
                // Only regular files carry data in GNU tar's output; a size on anything else is data to skip too.
                _dataLeft = size;
                _padding = Pad(size);
                return entry;
            }
        }

        /// <summary>Copies the current entry's data to destination, exactly its announced size.</summary>
        public void CopyData(Stream destination)
        {
            var buffer = _buffer;
            while (_dataLeft > 0)
            {
                var read = _input.Read(buffer, 0, (int)Math.Min(buffer.Length, _dataLeft));
                if (read <= 0) throw new TarFormatException("the stream ended in the middle of a file");
                // Counted before it is written: a write that fails here leaves the reader where the stream is.
                _dataLeft -= read;
                destination.Write(buffer, 0, read);
            }
            SkipExactly(_padding);
            _padding = 0;
        }

        /// <summary>Skips the current entry's data (a refused entry's, say).</summary>
        public void SkipData()
        {
            if (_dataLeft == 0 && _padding == 0) return;
            CopyData(Stream.Null);
        }

        private static long Pad(long size) => (Block - size % Block) % Block;

        private bool ReadBlock(byte[] block, bool atBoundary)
        {
            var got = 0;
            while (got < Block)
            {
                var read = _input.Read(block, got, Block - got);
                if (read <= 0)
                {
                    // A stream that stops between entries has simply ended (GNU tar always writes its end blocks, but a cut connection does not).
                    if (got == 0 && atBoundary) return false;
                    throw new TarFormatException("the stream ended in the middle of a tar header");
                }
                got += read;
            }
            return true;
        }

        private void ReadExactly(byte[] buffer, int count)
        {
            var got = 0;
            while (got < count)
            {
                var read = _input.Read(buffer, got, count - got);
                if (read <= 0) throw new TarFormatException("the stream ended in the middle of a long name");
                got += read;
            }
        }

        private void SkipExactly(long count)
        {
            var buffer = _buffer;
            while (count > 0)
            {
                var read = _input.Read(buffer, 0, (int)Math.Min(Block, count));
                if (read <= 0) throw new TarFormatException("the stream ended in the middle of a file");
                count -= read;
            }
        }

        private static bool IsZero(byte[] block)
        {
            foreach (var b in block) if (b != 0) return false;
            return true;
        }

        private static void CheckSum(byte[] header)
        {
            long sum = 0;
            for (var i = 0; i < Block; i++) sum += i >= 148 && i < 156 ? (byte)' ' : header[i];
            if (Number(header, 148, 8, "checksum") != sum) throw new TarFormatException("a tar header's checksum is wrong");
        }

        /// <summary>An octal field (NUL- or space-terminated), or GNU's base-256 form for large values.</summary>
        internal static long Number(byte[] header, int offset, int length, string field)
        {
            if ((header[offset] & 0x80) != 0)
            {
                if (header[offset] != 0x80) throw new TarFormatException($"a tar header's {field} is negative or too large");
                long binary = 0;
                for (var i = offset + 1; i < offset + length; i++)
                {
                    if (binary > (long.MaxValue >> 8)) throw new TarFormatException($"a tar header's {field} is too large");
                    binary = (binary << 8) | header[i];
                }
                return binary;
            }
            long value = 0;
            var i2 = offset;
            var end = offset + length;
            while (i2 < end && header[i2] == (byte)' ') i2++;
            var digits = 0;
            for (; i2 < end && header[i2] >= (byte)'0' && header[i2] <= (byte)'7'; i2++, digits++) value = (value << 3) | (long)(header[i2] - '0');
            for (; i2 < end; i2++)
            {
                if (header[i2] != 0 && header[i2] != (byte)' ') throw new TarFormatException($"a tar header's {field} is not a number");
            }
            if (digits == 0) throw new TarFormatException($"a tar header's {field} is empty");
            return value;
        }

        private static byte[] Field(byte[] header, int offset, int length)
        {
            var end = offset;
            while (end < offset + length && header[end] != 0) end++;
            var bytes = new byte[end - offset];
            Array.Copy(header, offset, bytes, 0, bytes.Length);
            return bytes;
        }

        /// <summary>POSIX ustar splits a long name into prefix and name; GNU's own format has no prefix.</summary>
        private static byte[]? Prefix(byte[] header)
        {
            var posix = header[257] == (byte)'u' && header[262] == 0;
            if (!posix) return null;
            var prefix = Field(header, 345, 155);
            return prefix.Length == 0 ? null : prefix;
        }

        private static string? Decode(byte[] name, byte[]? prefix)
        {
            var length = name.Length;
            while (length > 0 && name[length - 1] == 0) length--;
            try
            {
                var text = StrictUtf8.GetString(name, 0, length);
                return prefix == null ? text : StrictUtf8.GetString(prefix) + "/" + text;
            }
            catch (DecoderFallbackException)
            {
                return null;
            }
        }

        private static DateTime Time(long seconds)
        {
            // Anything a file system can hold; a pod's nonsense time becomes the epoch rather than an exception.
            const long max = 253402300799L; // 9999-12-31
            return seconds >= 0 && seconds <= max ? DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime : DateTimeOffset.FromUnixTimeSeconds(0).UtcDateTime;
        }
    }
}
