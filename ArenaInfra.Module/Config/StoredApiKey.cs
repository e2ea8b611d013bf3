using System;
using System.ComponentModel;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace ArenaInfra.Config
{
    /// <summary>
    /// The API key stored once for the current user, for scheduled scripts. On Windows it is encrypted
    /// with DPAPI for the current user; elsewhere it sits in a file only the user can read, as ssh keys do.
    /// </summary>
    internal static class StoredApiKey
    {
        public static string Path => System.IO.Path.Combine(DataFolder.Path, "runpod-api-key");

        private static bool OnWindows => RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        public static void Save(string key)
        {
            var bytes = Encoding.UTF8.GetBytes(key);
            SafeFile.WriteAllBytes(Path, OnWindows ? Dpapi.Protect(bytes) : bytes);
        }

        public static string? Load()
        {
            if (!File.Exists(Path)) return null;
            var bytes = File.ReadAllBytes(Path);
            var text = Encoding.UTF8.GetString(OnWindows ? Dpapi.Unprotect(bytes) : bytes).Trim();
            return text.Length == 0 ? null : text;
        }

        public static bool Clear()
        {
            if (!File.Exists(Path)) return false;
            File.Delete(Path);
            return true;
        }

        /// <summary>CryptProtectData for the current user, without another package.</summary>
        private static class Dpapi
        {
            [StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]
            private struct DataBlob
            {
                public int Size;
                public IntPtr Data;
            }

            [DllImport("crypt32.dll", SetLastError = true, CharSet = CharSet.Unicode)]
            private static extern bool CryptProtectData(ref DataBlob input, string? description, IntPtr entropy, IntPtr reserved, IntPtr prompt, int flags, ref DataBlob output);

            [DllImport("crypt32.dll", SetLastError = true, CharSet = CharSet.Unicode)]
            private static extern bool CryptUnprotectData(ref DataBlob input, IntPtr description, IntPtr entropy, IntPtr reserved, IntPtr prompt, int flags, ref DataBlob output);

            [DllImport("kernel32.dll")]
            private static extern IntPtr LocalFree(IntPtr memory);

            private const int UiForbidden = 0x1;

            public static byte[] Protect(byte[] data) => Transform(data, protect: true);

            public static byte[] Unprotect(byte[] data) => Transform(data, protect: false);

            private static byte[] Transform(byte[] data, bool protect)
            {
                var handle = GCHandle.Alloc(data, GCHandleType.Pinned);
                var input = new DataBlob { Size = data.Length, Data = handle.AddrOfPinnedObject() };
                var output = new DataBlob();
                try
                {
                    var ok = protect
                        ? CryptProtectData(ref input, "ArenaInfra RunPod API key", IntPtr.Zero, IntPtr.Zero, IntPtr.Zero, UiForbidden, ref output)
                        : CryptUnprotectData(ref input, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero, UiForbidden, ref output);
                    if (!ok) throw new Win32Exception(Marshal.GetLastWin32Error());
                    var result = new byte[output.Size];
                    Marshal.Copy(output.Data, result, 0, output.Size);
                    return result;
                }
                finally
                {
                    handle.Free();
                    if (output.Data != IntPtr.Zero) LocalFree(output.Data);
                }
            }
        }
    }
}
