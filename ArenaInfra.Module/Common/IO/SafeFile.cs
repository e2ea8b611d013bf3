using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace ArenaInfra.Common.IO
{
    /// <summary>
    /// Files the module writes for the user (host keys, ssh config): written to a temporary file in
    /// the same folder and moved into place, so a crash never leaves half a file, and readable by the
    /// owner only.
    /// </summary>
    internal static class SafeFile
    {
        public static void WriteAllText(string path, string text) => WriteAllBytes(path, new UTF8Encoding(false).GetBytes(text));

        public static void WriteAllBytes(string path, byte[] bytes) =>
            // A file the user keeps as a link (a dotfiles repository, say) stays a link: the new content goes to what it points at.
            Write(FinalTarget(path), bytes);

        /// <summary>
        /// The same, for a file the module alone keeps (a backup's record): a link at the path is replaced
        /// by the file, never written through, so a link planted there cannot aim the write elsewhere.
        /// </summary>
        public static void ReplaceAllText(string path, string text)
        {
            var bytes = new UTF8Encoding(false).GetBytes(text);
            try
            {
                if ((File.GetAttributes(path) & FileAttributes.ReparsePoint) != 0) File.Delete(path);
            }
            catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException)
            {
            }
            Write(path, bytes);
        }

        /// <summary>
        /// For a file that is public by design and read by a web server running as another user (the
        /// status page): atomic as every file here, a link at the path replaced by the rename, never
        /// written through, and readable by everyone (0644) instead of by its owner only.
        /// </summary>
        public static void WriteWorldReadable(string path, string text) => Write(path, new UTF8Encoding(false).GetBytes(text), worldReadable: true);

        private static void Write(string path, byte[] bytes, bool worldReadable = false)
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
            Directory.CreateDirectory(directory);
            var temp = Path.Combine(directory, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp");
            try
            {
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    if (worldReadable) ReadableByAll(temp);
                    else OwnerOnly(temp);
                    stream.Write(bytes, 0, bytes.Length);
                    stream.Flush(true);
                }
                if (File.Exists(path)) File.Replace(temp, path, null);
                else File.Move(temp, path);
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
        }

        /// <summary>Creates a folder readable by its owner only (0700), as ~/.ssh must be.</summary>
        public static void CreatePrivateDirectory(string path)
        {
            if (Directory.Exists(path)) return;
            Directory.CreateDirectory(path);
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) NativeMethods.chmod(path, Convert.ToInt32("700", 8));
        }

        /// <summary>The file a symbolic link finally points at, or the path itself (also where the runtime cannot tell, as on .NET Framework).</summary>
        public static string FinalTarget(string path)
        {
            try
            {
                var info = new FileInfo(path);
                if (!info.Exists || (info.Attributes & FileAttributes.ReparsePoint) == 0) return path;
                var resolve = typeof(FileSystemInfo).GetMethod("ResolveLinkTarget", new[] { typeof(bool) });
                return resolve?.Invoke(info, new object[] { true }) is FileSystemInfo target ? target.FullName : path;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is System.Reflection.TargetInvocationException)
            {
                return path;
            }
        }

        /// <summary>A file's Unix permission bits, or null where the runtime cannot tell (Windows, .NET Framework).</summary>
        public static int? UnixMode(string path)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return null;
            var get = typeof(File).GetMethod("GetUnixFileMode", new[] { typeof(string) });
            try
            {
                return get?.Invoke(null, new object[] { path }) is Enum mode ? Convert.ToInt32(mode) : (int?)null;
            }
            catch (System.Reflection.TargetInvocationException)
            {
                return null;
            }
        }

        /// <summary>Sets Unix permissions (no-op on Windows); false when they could not be set.</summary>
        public static bool SetMode(string path, int mode) =>
            RuntimeInformation.IsOSPlatform(OSPlatform.Windows) || NativeMethods.chmod(path, mode) == 0;

        /// <summary>Read and write for the owner only (0600). On Windows the user's profile folders are private already.</summary>
        public static void OwnerOnly(string path)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return;
            if (NativeMethods.chmod(path, Convert.ToInt32("600", 8)) != 0)
            {
                throw new IOException($"Cannot make '{path}' private to its owner (chmod failed with {Marshal.GetLastWin32Error()}).");
            }
        }

        /// <summary>Read and write for the owner, read for everyone (0644); on Windows the folder's permissions decide.</summary>
        private static void ReadableByAll(string path)
        {
            if (!SetMode(path, Convert.ToInt32("644", 8))) throw new IOException($"Cannot make '{path}' readable (chmod failed with {Marshal.GetLastWin32Error()}).");
        }

        private static class NativeMethods
        {
            [DllImport("libc", SetLastError = true)]
#pragma warning disable IDE1006 // the C library's name
            public static extern int chmod(string pathname, int mode);
#pragma warning restore IDE1006
        }
    }

    /// <summary>The module's own data folder: $ARENA_INFRA_DATA, else %LOCALAPPDATA%\ArenaInfra or ~/.local/share/arena-infra.</summary>
    internal static class DataFolder
    {
        public const string Variable = "ARENA_INFRA_DATA";

        public static string Path
        {
            get
            {
                var configured = Environment.GetEnvironmentVariable(Variable);
                if (!string.IsNullOrWhiteSpace(configured)) return configured!;
                if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                {
                    return System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "ArenaInfra");
                }
                var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
                var root = string.IsNullOrEmpty(xdg)
                    ? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share")
                    : xdg!;
                return System.IO.Path.Combine(root, "arena-infra");
            }
        }
    }
}
