using System;
using System.IO;
using System.Management.Automation;
using System.Text;
using ArenaInfra.Common;

namespace ArenaInfra.Ssh
{
    /// <summary>
    /// Finds the shared key's public half: the .pub beside it, or else the public key stored inside
    /// an OpenSSH private key (openssh-key-v1 keeps it unencrypted, so no passphrase is needed).
    /// </summary>
    internal static class PublicKeyReader
    {
        private const string OpenSshHeader = "-----BEGIN OPENSSH PRIVATE KEY-----";
        private const string OpenSshFooter = "-----END OPENSSH PRIVATE KEY-----";
        private static readonly byte[] Magic = Encoding.ASCII.GetBytes("openssh-key-v1\0");

        public static string Read(string privateKeyPath, IArenaLog log)
        {
            var pubPath = privateKeyPath + ".pub";
            if (File.Exists(pubPath))
            {
                var line = File.ReadAllText(pubPath).Trim();
                if (LooksLikePublicKey(line)) return line;
                log.Warning($"'{pubPath}' does not look like an OpenSSH public key; deriving the key from '{privateKeyPath}' instead.");
            }

            if (!File.Exists(privateKeyPath))
            {
                throw NotFound(privateKeyPath, $"Neither the shared SSH key '{privateKeyPath}' nor its .pub exists.");
            }
            string text;
            try
            {
                text = File.ReadAllText(privateKeyPath);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw NotFound(privateKeyPath, $"The shared SSH key '{privateKeyPath}' cannot be read: {e.Message}");
            }
            var derived = FromOpenSshPrivateKey(text)
                ?? throw NotFound(privateKeyPath, $"'{pubPath}' is missing and the public key cannot be derived from '{privateKeyPath}' (not an OpenSSH-format private key).");
            log.Verbose($"'{pubPath}' is missing; using the public key stored in '{privateKeyPath}'.");
            return derived;
        }

        /// <summary>"ssh-ed25519 AAAA..." from an openssh-key-v1 private key; null for any other format.</summary>
        internal static string? FromOpenSshPrivateKey(string text)
        {
            var start = text.IndexOf(OpenSshHeader, StringComparison.Ordinal);
            var end = text.IndexOf(OpenSshFooter, StringComparison.Ordinal);
            if (start < 0 || end < start) return null;
            byte[] blob;
            try
            {
                blob = Convert.FromBase64String(text.Substring(start + OpenSshHeader.Length, end - start - OpenSshHeader.Length).Trim());
            }
            catch (FormatException)
            {
                return null;
            }
            for (var i = 0; i < Magic.Length; i++)
            {
                if (blob.Length <= i || blob[i] != Magic[i]) return null;
            }
            var reader = new SshWireReader(blob, Magic.Length);
            reader.ReadString(); // cipher name
            reader.ReadString(); // kdf name
            reader.ReadString(); // kdf options
            if (reader.ReadUInt32() < 1) return null;
            var publicKey = reader.ReadString();
            if (publicKey == null) return null;
            var type = new SshWireReader(publicKey, 0).ReadString();
            return type == null ? null : $"{Encoding.ASCII.GetString(type)} {Convert.ToBase64String(publicKey)}";
        }

        internal static bool LooksLikePublicKey(string line)
        {
            var parts = line.Split(new[] { ' ' }, 3, StringSplitOptions.RemoveEmptyEntries);
            return parts.Length >= 2 && (parts[0].StartsWith("ssh-", StringComparison.Ordinal) || parts[0].StartsWith("ecdsa-", StringComparison.Ordinal) || parts[0].StartsWith("sk-", StringComparison.Ordinal));
        }

        private static ArenaException NotFound(string path, string message) =>
            new ArenaException(ArenaErrorIds.SshKeyNotFound, ErrorCategory.ObjectNotFound, message,
                $"Create the key with 'ssh-keygen -t ed25519 -N \"\" -f {path}', or write its public half with 'ssh-keygen -y -f {path} > {path}.pub', or point SharedKeyPath (SHARED_SSH_KEY_PATH) at the right file.",
                target: path);

        /// <summary>Reads SSH wire-format strings (uint32 length + bytes).</summary>
        private sealed class SshWireReader
        {
            private readonly byte[] _data;
            private int _position;

            public SshWireReader(byte[] data, int position)
            {
                _data = data;
                _position = position;
            }

            public uint ReadUInt32()
            {
                if (_position + 4 > _data.Length) return 0;
                var value = (uint)(_data[_position] << 24 | _data[_position + 1] << 16 | _data[_position + 2] << 8 | _data[_position + 3]);
                _position += 4;
                return value;
            }

            public byte[]? ReadString()
            {
                var length = ReadUInt32();
                if (length > _data.Length - _position) return null;
                var value = new byte[length];
                Array.Copy(_data, _position, value, 0, (int)length);
                _position += (int)length;
                return value;
            }
        }
    }
}
