using System;
using System.IO;
using System.Net.Sockets;
using System.Threading;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace ArenaInfra.Ssh
{
    /// <summary>Everything a connection needs that is the same for every pod of one command.</summary>
    internal sealed class SshSettings
    {
        public SshSettings(SshKey key, HostKeyStore hostKeys, IArenaLog log)
        {
            Key = key;
            HostKeys = hostKeys;
            Log = log;
        }

        public SshKey Key { get; }
        public HostKeyStore HostKeys { get; }
        public IArenaLog Log { get; }
        public ArenaHostKeyPolicy HostKeyPolicy { get; set; } = ArenaHostKeyPolicy.AcceptNew;
        public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);
        /// <summary>Moved to the front of the client's key exchange list; null keeps SSH.NET's own order.</summary>
        public string? PreferredKeyExchange { get; set; } = "curve25519-sha256";
    }

    /// <summary>One SSH connection to one pod: connect (host key, authentication), run, upload, dispose.</summary>
    internal sealed class SshPodConnection : IDisposable
    {
        private readonly SshClient _client;
        private readonly SshSettings _settings;

        private SshPodConnection(SshClient client, SshSettings settings)
        {
            _client = client;
            _settings = settings;
        }

        public static SshPodConnection Open(SshTarget target, SshSettings settings, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var info = new ConnectionInfo(target.Host, target.Port, target.User, new PrivateKeyAuthenticationMethod(target.User, settings.Key.File))
            {
                Timeout = settings.ConnectTimeout,
            };
            PreferKeyExchange(info, settings.PreferredKeyExchange);
            var client = new SshClient(info);
            string? hostKeyProblem = null;
            client.HostKeyReceived += (_, e) =>
            {
                hostKeyProblem = CheckHostKey(target, settings, e);
                e.CanTrust = hostKeyProblem == null;
            };

            try
            {
                using (cancellationToken.Register(client.Dispose))
                {
                    client.Connect();
                }
                return new SshPodConnection(client, settings);
            }
            catch (Exception e) when (!(e is OperationCanceledException))
            {
                client.Dispose();
                cancellationToken.ThrowIfCancellationRequested();
                throw Classify(target, settings, e, hostKeyProblem);
            }
        }

        /// <summary>Runs a command; a non-zero exit or a timeout is an outcome, not an exception.</summary>
        public CommandOutput Run(string command, TimeSpan timeout, CancellationToken cancellationToken)
        {
            using var ssh = _client.CreateCommand(command);
            ssh.CommandTimeout = timeout;
            using (cancellationToken.Register(() => TryCancel(ssh)))
            {
                try
                {
                    ssh.Execute();
                    return new CommandOutput(ssh.ExitStatus, ssh.Result, ssh.Error, timedOut: false);
                }
                catch (SshOperationTimeoutException)
                {
                    TryCancel(ssh);
                    return new CommandOutput(null, SafeRead(() => ssh.Result), SafeRead(() => ssh.Error), timedOut: true);
                }
                catch (Exception) when (cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException(cancellationToken);
                }
                catch (Exception e) when (e is SshException || e is SocketException || e is ObjectDisposedException || e is IOException)
                {
                    throw new SshStageException(ArenaTestStage.Command, ArenaErrorIds.SshConnectionLost, $"The connection was lost while the command ran: {e.Message}", e);
                }
            }
        }

        /// <summary>Runs a command with input on its standard input: how secrets travel, never on a command line.</summary>
        public CommandOutput Run(string command, byte[] input, TimeSpan timeout, CancellationToken cancellationToken)
        {
            using var ssh = _client.CreateCommand(command);
            ssh.CommandTimeout = timeout;
            using (cancellationToken.Register(() => TryCancel(ssh)))
            {
                try
                {
                    var running = ssh.BeginExecute();
                    using (var stdin = ssh.CreateInputStream())
                    {
                        stdin.Write(input, 0, input.Length);
                    }
                    if (!running.AsyncWaitHandle.WaitOne(timeout))
                    {
                        TryCancel(ssh);
                        return new CommandOutput(null, "", "", timedOut: true);
                    }
                    ssh.EndExecute(running);
                    return new CommandOutput(ssh.ExitStatus, ssh.Result, ssh.Error, timedOut: false);
                }
                catch (Exception) when (cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException(cancellationToken);
                }
                catch (Exception e) when (e is SshException || e is SocketException || e is ObjectDisposedException || e is IOException)
                {
                    throw new SshStageException(ArenaTestStage.Command, ArenaErrorIds.SshConnectionLost, $"The connection was lost while the command ran: {e.Message}", e);
                }
            }
        }

        /// <summary>An SFTP session over the same credentials, for copying files both ways.</summary>
        public SftpClient OpenSftp(CancellationToken cancellationToken)
        {
            var sftp = new SftpClient(_client.ConnectionInfo);
            try
            {
                using (cancellationToken.Register(sftp.Dispose)) sftp.Connect();
                return sftp;
            }
            catch (Exception e) when (!(e is OperationCanceledException))
            {
                sftp.Dispose();
                cancellationToken.ThrowIfCancellationRequested();
                throw new SshStageException(ArenaTestStage.Connect, ArenaErrorIds.SftpFailed, $"SFTP to the pod failed: {e.Message}", e);
            }
        }

        /// <summary>Copies content to the pod over SFTP, with the given Unix permissions.</summary>
        public void Upload(Stream content, string remotePath, short mode, CancellationToken cancellationToken)
        {
            using var sftp = new SftpClient(_client.ConnectionInfo);
            using (cancellationToken.Register(sftp.Dispose))
            {
                try
                {
                    sftp.Connect();
                    sftp.UploadFile(content, remotePath, canOverride: true);
                    sftp.ChangePermissions(remotePath, mode);
                }
                catch (Exception) when (cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException(cancellationToken);
                }
                catch (Exception e) when (e is SshException || e is SocketException || e is IOException)
                {
                    throw new SshStageException(ArenaTestStage.Command, ArenaErrorIds.SftpFailed, $"Copying to {remotePath} failed: {e.Message}", e);
                }
            }
        }

        public void Dispose() => _client.Dispose();

        private static string? CheckHostKey(SshTarget target, SshSettings settings, HostKeyEventArgs e)
        {
            var fingerprint = "SHA256:" + e.FingerPrintSHA256;
            var podId = target.Pod.Id;
            var record = settings.HostKeys.Get(podId);
            var now = DateTimeOffset.UtcNow;
            switch (HostKeyVerifier.Decide(settings.HostKeyPolicy, record, fingerprint, HostKeyVerifier.StartedAt(target.Pod)))
            {
                case HostKeyVerdict.Accept:
                    return null;
                case HostKeyVerdict.AcceptAndRecord:
                    settings.HostKeys.Put(podId, new HostKeyRecord { PodName = target.Pod.Name, KeyType = e.HostKeyName, Fingerprint = fingerprint, RecordedAt = now });
                    settings.Log.Verbose($"{target.Pod.Name}: recorded its host key {e.HostKeyName} {fingerprint}.");
                    return null;
                case HostKeyVerdict.AcceptChangedAfterRestart:
                    settings.HostKeys.Put(podId, new HostKeyRecord { PodName = target.Pod.Name, KeyType = e.HostKeyName, Fingerprint = fingerprint, RecordedAt = now });
                    settings.Log.Warning($"{target.Pod.Name} has a new host key ({fingerprint}); it restarted after the old key was recorded, as RunPod makes new keys on restart, so the new key is accepted.");
                    return null;
                case HostKeyVerdict.RejectUnknown:
                    return $"{target.Pod.Name} presented host key {fingerprint}, and no key is recorded for it (-HostKeyPolicy Strict accepts only recorded keys).";
                default:
                    return $"{target.Pod.Name} presented host key {fingerprint}, but {record!.Fingerprint} was recorded on {record.RecordedAt:u} and the pod has not restarted since. Someone may be intercepting the connection.";
            }
        }

        private static SshStageException Classify(SshTarget target, SshSettings settings, Exception e, string? hostKeyProblem)
        {
            if (hostKeyProblem != null)
            {
                var id = hostKeyProblem.Contains("no key is recorded") ? ArenaErrorIds.HostKeyUnknown : ArenaErrorIds.HostKeyMismatch;
                return new SshStageException(ArenaTestStage.HostKey, id, hostKeyProblem, e);
            }
            if (e is SshAuthenticationException)
            {
                return new SshStageException(ArenaTestStage.Authenticate, ArenaErrorIds.SshAuthenticationFailed,
                    $"{target.Pod.Name} refused the key '{settings.Key.Path}' for user '{target.User}': {e.Message}", e);
            }
            var reason = e is SshOperationTimeoutException ? $"no answer within {settings.ConnectTimeout.TotalSeconds:0.#} s" : e.Message.TrimEnd('.');
            return new SshStageException(ArenaTestStage.Connect, ArenaErrorIds.SshConnectFailed, $"Cannot connect to {target.Pod.Name} at {target.Endpoint}: {reason}.", e);
        }

        private static void PreferKeyExchange(ConnectionInfo info, string? preferred)
        {
            if (preferred != null && info.KeyExchangeAlgorithms.ContainsKey(preferred))
            {
                info.KeyExchangeAlgorithms.SetPosition(preferred, 0);
            }
        }

        private static void TryCancel(SshCommand command)
        {
            try
            {
                command.CancelAsync(forceKill: true, millisecondsTimeout: 500);
            }
            catch (Exception e) when (e is SshException || e is ObjectDisposedException || e is InvalidOperationException)
            {
            }
        }

        private static string SafeRead(Func<string> read)
        {
            try
            {
                return read();
            }
            catch (Exception e) when (e is ObjectDisposedException || e is InvalidOperationException)
            {
                return "";
            }
        }
    }
}
