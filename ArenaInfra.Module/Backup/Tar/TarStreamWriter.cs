using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace ArenaInfra.Backup.Tar
{
    /// <summary>
    /// Writes the tar stream a restore sends to a pod's GNU tar: POSIX pax, so that names are UTF-8
    /// whatever the pod's locale, of any length, and modification times keep their fraction of a
    /// second. Every entry gets an extended header (path, mtime) and a ustar header; names are
    /// relative and checked by the caller before they get here.
    /// </summary>
    internal sealed class TarStreamWriter
    {
        private const int Block = TarStreamReader.Block;
        /// <summary>The largest size a ustar header's 11 octal digits hold; larger files are not restored.</summary>
        public const long MaxFileBytes = 077777777777L;

        private static readonly byte[] Zeros = new byte[2 * Block];
        private readonly Stream _output;
        // One buffer for the whole stream, not one a file.
        private readonly byte[] _buffer = new byte[81920];

        public TarStreamWriter(Stream output)
        {
            _output = output;
        }

        public long Written { get; private set; }

        public void Folder(string path, int mode, DateTime modifiedUtc) => Entry(path.TrimEnd('/') + "/", '5', 0, mode, modifiedUtc);

        /// <summary>A file whose content comes from source: exactly size bytes, or the stream is left unusable and this throws.</summary>
        public void File(string path, long size, int mode, DateTime modifiedUtc, Stream source)
        {
            if (size > MaxFileBytes) throw new ArgumentException($"larger than {MaxFileBytes} bytes");
            Entry(path, '0', size, mode, modifiedUtc);
            var buffer = _buffer;
            var left = size;
            while (left > 0)
            {
                var read = source.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                if (read <= 0) throw new IOException($"'{path}' became shorter while it was being sent");
                Put(buffer, read);
                left -= read;
            }
            Pad(size);
        }

        /// <summary>The two empty blocks that end an archive.</summary>
        public void End()
        {
            Put(Zeros, 2 * Block);
            _output.Flush();
        }

        private void Entry(string path, char type, long size, int mode, DateTime modifiedUtc)
        {
            var ticks = (modifiedUtc.ToUniversalTime() - new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc)).Ticks;
            var seconds = ticks >= 0 ? ticks / TimeSpan.TicksPerSecond : 0;
            var fraction = ticks >= 0 ? ticks % TimeSpan.TicksPerSecond : 0;
            var extended = new MemoryStream();
            Record(extended, "path", path);
            Record(extended, "mtime", seconds.ToString(CultureInfo.InvariantCulture) + "." + fraction.ToString("D7", CultureInfo.InvariantCulture));
            var pax = extended.ToArray();
            Header("PaxHeader/entry", 'x', pax.Length, 0x1A4, seconds);
            Put(pax, pax.Length);
            Pad(pax.Length);
            // The ustar name is a stand-in: GNU tar takes the name from the extended header above.
            Header(type == '5' ? "entry/" : "entry", type, size, mode, seconds);
        }

        /// <summary>One pax record: "length key=value\n", where length counts the whole record, itself included.</summary>
        private static void Record(Stream into, string key, string value)
        {
            var rest = Encoding.UTF8.GetByteCount(" " + key + "=" + value + "\n");
            var length = rest + 1;
            while (length != rest + length.ToString(CultureInfo.InvariantCulture).Length) length = rest + length.ToString(CultureInfo.InvariantCulture).Length;
            var bytes = Encoding.UTF8.GetBytes(length.ToString(CultureInfo.InvariantCulture) + " " + key + "=" + value + "\n");
            into.Write(bytes, 0, bytes.Length);
        }

        private void Header(string name, char type, long size, int mode, long seconds)
        {
            var header = new byte[Block];
            Ascii(header, 0, name, 100);
            Octal(header, 100, mode & 0xFFF, 8);
            Octal(header, 108, 0, 8);
            Octal(header, 116, 0, 8);
            Octal(header, 124, size, 12);
            Octal(header, 136, Math.Min(seconds, 077777777777L), 12);
            header[156] = (byte)type;
            Ascii(header, 257, "ustar", 6);
            Ascii(header, 263, "00", 2);
            for (var i = 148; i < 156; i++) header[i] = (byte)' ';
            long sum = 0;
            foreach (var b in header) sum += b;
            Octal(header, 148, sum, 7);
            header[155] = (byte)' ';
            Put(header, Block);
        }

        private static void Ascii(byte[] header, int offset, string text, int length)
        {
            var bytes = Encoding.ASCII.GetBytes(text);
            Array.Copy(bytes, 0, header, offset, Math.Min(bytes.Length, length));
        }

        /// <summary>length-1 octal digits and a NUL.</summary>
        private static void Octal(byte[] header, int offset, long value, int length)
        {
            var digits = Convert.ToString(value, 8).PadLeft(length - 1, '0');
            Ascii(header, offset, digits, length - 1);
            header[offset + length - 1] = 0;
        }

        private void Pad(long size)
        {
            var pad = (int)((Block - size % Block) % Block);
            if (pad > 0) Put(Zeros, pad);
        }

        private void Put(byte[] bytes, int count)
        {
            _output.Write(bytes, 0, count);
            Written += count;
        }
    }
}
