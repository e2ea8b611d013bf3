using System;
using System.Runtime.InteropServices;
using System.Security;

namespace ArenaInfra.Common
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

        /// <summary>The shortest start of a secret that is still taken for it when a message cuts the rest off.</summary>
        public const int MinimumCutSecret = 8;

        /// <summary>
        /// Replaces every occurrence of the secret in text, for bodies and messages we show, and a start
        /// of it cut off where the text ends (a message that shows only the first 200 characters of a body).
        /// </summary>
        public static string Redact(string text, string? secret)
        {
            if (string.IsNullOrEmpty(secret) || string.IsNullOrEmpty(text)) return text;
            var redacted = text.Replace(secret, "***");
            for (var length = Math.Min(secret!.Length - 1, redacted.Length); length >= MinimumCutSecret; length--)
            {
                if (redacted.EndsWith(secret.Substring(0, length), StringComparison.Ordinal)) return redacted.Substring(0, redacted.Length - length) + "***";
            }
            return redacted;
        }
    }
}
