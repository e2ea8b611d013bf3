using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security;
using System.Threading;
using ArenaInfra.Common;
using ArenaInfra.Ssh;

namespace ArenaInfra.Proxy
{
    /// <summary>
    /// The organiser's session to the proxy machine for one command: the organiser's own key (never the
    /// participants'), the proxy's paths and commands from the config, and its host key kept on record.
    /// </summary>
    internal sealed class ProxySession : IDisposable
    {
        private readonly SshSettings _ssh;

        private ProxySession(SshSettings ssh, ProxyMachine machine)
        {
            _ssh = ssh;
            Machine = machine;
        }

        public ProxyMachine Machine { get; }

        /// <summary>Connects with keyPath (null: the user's default key), or throws an ArenaException.</summary>
        public static ProxySession Open(ArenaConfig config, string? keyPath, SecureString? passphrase, ArenaHostKeyPolicy policy, IArenaLog log, CancellationToken cancellationToken)
        {
            if (config.ProxyHost == null)
            {
                throw new ArenaException(ArenaErrorIds.ProxyHostMissing, ErrorCategory.InvalidArgument,
                    "ProxyHost (SSH_PROXY_HOST) is not set, so there is no proxy to work on.", "Set SSH_PROXY_HOST in the config file.");
            }
            keyPath ??= DefaultKey();
            if (string.Equals(Path.GetFullPath(keyPath), Path.GetFullPath(config.SharedKeyPath), StringComparison.Ordinal))
            {
                log.Warning("The proxy key is the participants' shared key: anyone with it could change the proxy. Use a key of your own (-ProxyKeyPath).");
            }
            var settings = new ProxySettings
            {
                Host = config.ProxyHost!,
                Port = config.ProxySshPort,
                User = config.ProxyUser,
                ConfigPath = config.ProxyConfigPath,
                NginxConf = config.ProxyNginxConf,
                TestCommand = config.ProxyNginxTestCommand,
                ReloadCommand = config.ProxyNginxReloadCommand,
                InstallCommand = config.ProxyInstallCommand,
            };
            var key = SshKey.Load(keyPath, passphrase, SshKeyRole.Proxy);
            var ssh = new SshSettings(key, HostKeyStore.Open(), log) { HostKeyPolicy = policy };
            try
            {
                return new ProxySession(ssh, ProxyMachine.Connect(settings, ssh, cancellationToken));
            }
            catch
            {
                key.Dispose();
                throw;
            }
        }

        /// <summary>Closes the connection and keeps the proxy's host key on record.</summary>
        public void Dispose()
        {
            Machine.Dispose();
            try
            {
                _ssh.HostKeys.Save();
            }
            finally
            {
                _ssh.Key.Dispose();
            }
        }

        private static string DefaultKey()
        {
            var ssh = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh");
            return new[] { "id_ed25519", "id_ecdsa", "id_rsa" }.Select(k => Path.Combine(ssh, k)).FirstOrDefault(File.Exists) ?? Path.Combine(ssh, "id_ed25519");
        }
    }
}
