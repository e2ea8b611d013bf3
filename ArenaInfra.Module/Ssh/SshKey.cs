using System;
using System.IO;
using System.Management.Automation;
using System.Security;
using ArenaInfra.Common;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace ArenaInfra.Ssh
{
    /// <summary>The shared private key, loaded once per command before any connection.</summary>
    internal sealed class SshKey : IDisposable
    {
        private SshKey(PrivateKeyFile file, string path)
        {
            File = file;
            Path = path;
        }

        public PrivateKeyFile File { get; }
        public string Path { get; }

        /// <summary>OpenSSH-format ed25519, ECDSA and RSA keys (and PEM RSA), with a passphrase when encrypted.</summary>
        public static SshKey Load(string path, SecureString? passphrase) => Load(path, passphrase, SshKeyRole.Shared);

        /// <summary>As Load, with errors that name the key by its role and the setting that chooses it.</summary>
        public static SshKey Load(string path, SecureString? passphrase, SshKeyRole role)
        {
            if (!System.IO.File.Exists(path))
            {
                throw NotFound(role, path, $"The {role.Name} '{path}' does not exist.", null);
            }
            try
            {
                var secret = passphrase == null || passphrase.Length == 0 ? null : Secrets.ToPlainText(passphrase);
                var file = secret == null ? new PrivateKeyFile(path) : new PrivateKeyFile(path, secret);
                return new SshKey(file, path);
            }
            catch (SshPassPhraseNullOrEmptyException e)
            {
                throw NotFound(role, path, $"The {role.Name} '{path}' is encrypted; give its passphrase with -KeyPassphrase.", e);
            }
            catch (Exception e) when (e is SshException || e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is FormatException || e is InvalidOperationException || e is NotSupportedException)
            {
                var reason = e is SshException && passphrase != null ? "the passphrase is wrong or the format is not supported" : e.Message;
                throw NotFound(role, path, $"The {role.Name} '{path}' cannot be read: {reason}", e);
            }
        }

        private static ArenaException NotFound(SshKeyRole role, string path, string message, Exception? inner) =>
            new ArenaException(ArenaErrorIds.SshKeyNotFound, ErrorCategory.ObjectNotFound, message,
                $"Check {role.Setting} and the passphrase; keys in OpenSSH format (ed25519, ECDSA, RSA) are supported.",
                inner, path);

        public void Dispose() => File.Dispose();
    }
}
