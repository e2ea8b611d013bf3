using System;
using System.ComponentModel;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Text;
using ArenaInfra.Common.IO;

namespace ArenaInfra.Config
{
    /// <summary>Whose key Set-ArenaApiKey keeps: RunPod's API key, OpenRouter's provisioning key or Vast.ai's API key.</summary>
    internal enum ApiKeyService
    {
        RunPod,
        OpenRouter,
        Vast,
    }

    /// <summary>
    /// The API key stored once for the current user, for scheduled scripts. On Windows it is encrypted
    /// with DPAPI for the current user and marked as such; elsewhere it sits in a file only the user can
    /// read, as ssh keys do. A file this user cannot use (another user's or machine's DPAPI, a file copied
    /// from Windows, a damaged one) is a clear error, never a key sent to RunPod.
    /// </summary>
    internal static class StoredApiKey
    {
        /// <summary>First line of a DPAPI-protected key file; the protected bytes follow in base64.</summary>
        internal const string DpapiHeader = "ArenaInfra RunPod API key, DPAPI CurrentUser";

        /// <summary>The same for the OpenRouter provisioning key, so one file is never read as the other.</summary>
        internal const string OpenRouterDpapiHeader = "ArenaInfra OpenRouter provisioning key, DPAPI CurrentUser";

        /// <summary>The same for Vast.ai's API key.</summary>
        internal const string VastDpapiHeader = "ArenaInfra Vast.ai API key, DPAPI CurrentUser";

        public static string Path => PathOf(ApiKeyService.RunPod);

        /// <summary>Each service's key has a file of its own in the data folder.</summary>
        public static string PathOf(ApiKeyService service) =>
            System.IO.Path.Combine(DataFolder.Path, service switch
            {
                ApiKeyService.OpenRouter => "openrouter-provisioning-key",
                ApiKeyService.Vast => "vast-api-key",
                _ => "runpod-api-key",
            });

        private static string HeaderOf(ApiKeyService service) => service switch
        {
            ApiKeyService.OpenRouter => OpenRouterDpapiHeader,
            ApiKeyService.Vast => VastDpapiHeader,
            _ => DpapiHeader,
        };

        private static bool OnWindows => RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        public static void Save(string key, ApiKeyService service = ApiKeyService.RunPod) =>
            SafeFile.WriteAllBytes(PathOf(service), Encode(key, OnWindows, Dpapi.Protect, HeaderOf(service)));

        /// <summary>A key from its environment variable, which wins, else the stored one; null when neither holds one.</summary>
        public static string? FromEnvironmentOrStore(string variable, ApiKeyService service)
        {
            var fromEnvironment = Environment.GetEnvironmentVariable(variable)?.Trim();
            return string.IsNullOrEmpty(fromEnvironment) ? Load(service) : fromEnvironment;
        }

        public static string? Load(ApiKeyService service = ApiKeyService.RunPod)
        {
            var path = PathOf(service);
            if (!File.Exists(path)) return null;
            // A key others can read may already be known to them: it is not used until it is stored again, privately.
            if (SafeFile.UnixMode(path) is int mode && (mode & Convert.ToInt32("077", 8)) != 0)
            {
                throw Unreadable(path, $"other users can read it (mode {Convert.ToString(mode & Convert.ToInt32("777", 8), 8)}), so it may no longer be secret", service);
            }
            return Decode(File.ReadAllBytes(path), path, OnWindows, Dpapi.Unprotect, service);
        }

        public static bool Clear(ApiKeyService service = ApiKeyService.RunPod)
        {
            var path = PathOf(service);
            if (!File.Exists(path)) return false;
            File.Delete(path);
            return true;
        }

        internal static byte[] Encode(string key, bool onWindows, Func<byte[], byte[]> protect, string header = DpapiHeader)
        {
            var bytes = Encoding.UTF8.GetBytes(key);
            return onWindows ? Encoding.ASCII.GetBytes(header + "\n" + Convert.ToBase64String(protect(bytes)) + "\n") : bytes;
        }

        internal static string? Decode(byte[] content, string path, bool onWindows, Func<byte[], byte[]> unprotect, ApiKeyService service = ApiKeyService.RunPod)
        {
            var text = Encoding.UTF8.GetString(content);
            var header = HeaderOf(service);
            var isProtected = text.StartsWith(header, StringComparison.Ordinal);
            string key;
            if (isProtected && !onWindows)
            {
                throw Unreadable(path, "it was protected with Windows DPAPI, which only the Windows user who stored it can open", service);
            }
            else if (isProtected)
            {
                try
                {
                    key = Encoding.UTF8.GetString(unprotect(Convert.FromBase64String(text.Substring(header.Length).Trim())));
                }
                catch (Exception e) when (e is FormatException || e is Win32Exception)
                {
                    throw Unreadable(path, "Windows could not decrypt it for this user on this machine (" + e.Message + ")", service, e);
                }
            }
            else if (onWindows && text.Trim().Length > 0)
            {
                throw Unreadable(path, "it is not protected with DPAPI, so it was not stored by Set-ArenaApiKey on Windows", service);
            }
            else
            {
                key = text;
            }
            key = key.Trim();
            if (key.Length == 0) return null;
            if (key.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c == '\uFFFD'))
            {
                throw Unreadable(path, "its content is not a single API key (the file is damaged)", service);
            }
            return key;
        }

        private static ArenaException Unreadable(string path, string why, ApiKeyService service, Exception? inner = null) => new ArenaException(
            ArenaErrorIds.StoredApiKeyUnreadable, ErrorCategory.ReadError,
            $"The {service switch { ApiKeyService.OpenRouter => "OpenRouter provisioning key", ApiKeyService.Vast => "Vast.ai API key", _ => "API key" }} stored with Set-ArenaApiKey in '{path}' cannot be used: {why}.",
            service switch
            {
                ApiKeyService.OpenRouter => "Store the key again as this user on this machine (Set-ArenaApiKey -Service OpenRouter), remove it (Set-ArenaApiKey -Service OpenRouter -Clear), or give one with $env:OPENROUTER_PROVISIONING_KEY.",
                ApiKeyService.Vast => "Store the key again as this user on this machine (Set-ArenaApiKey -Service Vast), remove it (Set-ArenaApiKey -Service Vast -Clear), or give one with $env:VAST_API_KEY.",
                _ => "Store the key again as this user on this machine (Set-ArenaApiKey), remove it (Set-ArenaApiKey -Clear), or give one with $env:RUNPOD_API_KEY or -ApiKey.",
            },
            inner);

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
