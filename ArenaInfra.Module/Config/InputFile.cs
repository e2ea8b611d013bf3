using System;
using System.IO;
using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Text;

namespace ArenaInfra.Config
{
    /// <summary>
    /// The one way the module reads a file the user names for it (a config, a roster, a CSV of secrets):
    /// only a regular file, and at most MaxBytes of it. A FIFO would block the read until someone writes
    /// to it (every command hanging for good), and a device or an endless file would never end; both are
    /// ConfigFileInvalid before anything is read.
    /// </summary>
    internal static class InputFile
    {
        /// <summary>1 MB: a fleet's config, roster or secrets CSV is a few kilobytes.</summary>
        public const int MaxBytes = 1024 * 1024;

        /// <summary>The file's text (encoding by its byte-order mark, UTF-8 otherwise, as File.ReadAllText reads it).</summary>
        /// <param name="path">The file, as the user named it.</param>
        /// <param name="what">What the file is, for the message: "The config file", "The roster".</param>
        public static string ReadText(string path, string what)
        {
            var kind = NotRegular(path);
            if (kind != null)
            {
                throw new ArenaException(ArenaErrorIds.ConfigFileInvalid, ErrorCategory.InvalidArgument,
                    $"{what} '{path}' is {kind}, not a regular file; it was not read.",
                    "Name a regular file (a FIFO or a device would make the command wait for good).", target: path);
            }
            byte[] bytes;
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            {
                bytes = new byte[MaxBytes + 1];
                var read = 0;
                int n;
                while (read < bytes.Length && (n = stream.Read(bytes, read, bytes.Length - read)) > 0) read += n;
                if (read > MaxBytes)
                {
                    throw new ArenaException(ArenaErrorIds.ConfigFileInvalid, ErrorCategory.InvalidData,
                        $"{what} '{path}' is larger than {MaxBytes / (1024 * 1024)} MB; it was not read.",
                        "Check that the path names the right file: a config, roster or CSV of a fleet is a few kilobytes.", target: path);
                }
                Array.Resize(ref bytes, read);
            }
            using var reader = new StreamReader(new MemoryStream(bytes), new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true);
            return reader.ReadToEnd();
        }

        /// <summary>What the path is when it is not a regular file ("a FIFO (named pipe)", "a folder", ...); null for a regular file.</summary>
        internal static string? NotRegular(string path)
        {
            if (Directory.Exists(path)) return "a folder";
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return null;
            int mode;
            try
            {
                // The runtime's own stat (the path followed, as open follows it): its FileStatus starts with
                // Flags then Mode on every Unix the runtime supports.
                var status = new byte[512];
                if (NativeMethods.Stat(Encoding.UTF8.GetBytes(path + "\0"), status) != 0) return null; // missing: the caller says so
                mode = BitConverter.ToInt32(status, 4);
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException)
            {
                // A runtime without it (.NET Framework runs on Windows only): the size cap still ends an endless file.
                return null;
            }
            switch (mode & 0xF000)
            {
                case 0x8000: return null;
                case 0x1000: return "a FIFO (named pipe)";
                case 0x2000: return "a character device";
                case 0x6000: return "a block device";
                case 0xC000: return "a socket";
                case 0x4000: return "a folder";
                default: return "not a file";
            }
        }

        private static class NativeMethods
        {
            [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", SetLastError = true)]
            public static extern int Stat(byte[] path, byte[] status);
        }
    }
}
