using System;
using System.Runtime.InteropServices;
using System.Security;

namespace ArenaInfra
{
    internal static class Secrets
    {
        public static SecureString ToSecureString(string text)
        {
            var secure = new SecureString();
            foreach (var c in text) secure.AppendChar(c);
            secure.MakeReadOnly();
            return secure;
        }

        public static string ToPlainText(SecureString secure)
        {
            var pointer = IntPtr.Zero;
            try
            {
                pointer = Marshal.SecureStringToGlobalAllocUnicode(secure);
                return Marshal.PtrToStringUni(pointer) ?? "";
            }
            finally
            {
                if (pointer != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(pointer);
            }
        }

        /// <summary>Replaces every occurrence of the secret in text; for bodies and messages we show.</summary>
        public static string Redact(string text, string? secret)
        {
            if (string.IsNullOrEmpty(secret) || string.IsNullOrEmpty(text)) return text;
            return text.Replace(secret, "***");
        }
    }
}
