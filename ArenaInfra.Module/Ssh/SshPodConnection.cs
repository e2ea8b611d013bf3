using System;
using System.IO;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
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
        /// <summary>When set, connections are kept for the whole command and reused (Get-ArenaPodGpu -Watch); else one a pod operation.</summary>
        public SshSessionPool? Sessions { get; set; }

        /// <summary>Pods whose new host key was accepted because they restarted: an expected event, told once at the end of the command.</summary>
        public System.Collections.Concurrent.ConcurrentDictionary<string, byte> RenewedHostKeys { get; } = new System.Collections.Concurrent.ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
    }

    /// <summary>One SSH connection to one pod: connect (host key, authentication), run, upload, dispose.</summary>
    internal sealed class SshPodConnection : IDisposable
    {
        /// <summary>Below the 32 KB data packets OpenSSH's sshd accepts on a session channel, headers included.</summary>
        private const int InputBufferBytes = 32000;

        private readonly SshClient _client;
        private readonly SshSettings _settings;

        private readonly SshTarget _target;

        private SshPodConnection(SshClient client, SshTarget target, SshSettings settings)
        {
            _client = client;
            _target = target;
            _settings = settings;
        }

        public static SshPodConnection Open(SshTarget target, SshSettings settings, CancellationToken cancellationToken) =>
            new SshPodConnection(Connect(new SshClient(Info(target, settings)), target, settings, cancellationToken), target, settings);

        /// <summary>
        /// The one way any connection to a pod is made, SSH or SFTP: the host key is checked on every
        /// connection, so an impostor that answers a later connection (an SFTP copy after the command
        /// connection, say) is refused as the first one would have been.
        /// </summary>
        private static T Connect<T>(T client, SshTarget target, SshSettings settings, CancellationToken cancellationToken) where T : BaseClient
        {
            cancellationToken.ThrowIfCancellationRequested();
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
                return client;
            }
            catch (Exception e) when (!(e is OperationCanceledException))
            {
                client.Dispose();
                cancellationToken.ThrowIfCancellationRequested();
                throw Classify(target, settings, e, hostKeyProblem);
            }
        }

        private static ConnectionInfo Info(SshTarget target, SshSettings settings)
        {
            var info = new ConnectionInfo(target.Host, target.Port, target.User, new PrivateKeyAuthenticationMethod(target.User, settings.Key.File))
            {
                Timeout = settings.ConnectTimeout,
            };
            PreferKeyExchange(info, settings.PreferredKeyExchange);
            return info;
        }

        /// <summary>Runs a command; a non-zero exit or a timeout is an outcome, not an exception.</summary>
        public CommandOutput Run(string command, TimeSpan timeout, CancellationToken cancellationToken) => Run(command, null, timeout, cancellationToken);

        /// <summary>
        /// Runs a command, with input on its standard input when given (how secrets travel, never on a
        /// command line). Output is read as it arrives and kept to CappedOutput's head and tail: a pod that
        /// prints forever costs a bounded amount of memory and still ends at the timeout.
        /// </summary>
        public CommandOutput Run(string command, byte[]? input, TimeSpan timeout, CancellationToken cancellationToken)
        {
            using var ssh = _client.CreateCommand(command);
            using (cancellationToken.Register(() => TryCancel(ssh)))
            {
                var stdout = new CappedOutput();
                var stderr = new CappedOutput();
                try
                {
                    var running = ssh.BeginExecute();
                    var readers = new[]
                    {
                        Task.Run(() => stdout.ReadAll(ssh.OutputStream)),
                        Task.Run(() => stderr.ReadAll(ssh.ExtendedOutputStream)),
                    };
                    if (input != null)
                    {
                        using var stdin = ssh.CreateInputStream();
                        stdin.Write(input, 0, input.Length);
                    }
                    if (!running.AsyncWaitHandle.WaitOne(timeout))
                    {
                        TryCancel(ssh);
                        Task.WaitAll(readers, TimeSpan.FromSeconds(1));
                        return new CommandOutput(null, stdout.Text, stderr.Text, timedOut: true);
                    }
                    // The streams end when the command does: drain them first, since EndExecute would read what is left itself.
                    Task.WaitAll(readers, TimeSpan.FromSeconds(10));
                    ssh.EndExecute(running);
                    return new CommandOutput(ssh.ExitStatus, stdout.Text, stderr.Text, timedOut: false, cut: stdout.Cut || stderr.Cut);
                }
                catch (Exception) when (cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException(cancellationToken);
                }
                catch (Exception e) when (e is SshException || e is SocketException || e is ObjectDisposedException || e is IOException || e is AggregateException)
                {
                    throw new SshStageException(ArenaTestStage.Command, ArenaErrorIds.SshConnectionLost, $"The connection was lost while the command ran: {e.Message}", e);
                }
            }
        }

        /// <summary>
        /// Runs a command whose standard output is data rather than text (a listing, a tar stream): read
        /// consumes it as it arrives, on this thread, over the one channel; input, when given, is written to
        /// the command's standard input at the same time, so neither side waits for the other. When read
        /// returns before the output ends (it had enough, or refused what came), the command is ended.
        /// Standard error is kept to CappedOutput's bounds. Cancelling the token ends the command and the read.
        /// </summary>
        public StreamedCommand Stream(string command, byte[]? input, Action<Stream> read, CancellationToken cancellationToken) =>
            Stream(command, input == null ? null : (Action<Stream>)(stdin => stdin.Write(input, 0, input.Length)), read, cancellationToken);

        /// <summary>The same, with standard input written by writeInput as the command runs (a tar stream of a restore, say).</summary>
        public StreamedCommand Stream(string command, Action<Stream>? writeInput, Action<Stream> read, CancellationToken cancellationToken)
        {
            using var ssh = _client.CreateCommand(command);
            using (cancellationToken.Register(() => Abandon(ssh)))
            {
                var stderr = new CappedOutput();
                Task? writer = null;
                try
                {
                    var running = ssh.BeginExecute();
                    var errors = Task.Run(() => stderr.ReadAll(ssh.ExtendedOutputStream));
                    if (writeInput != null)
                    {
                        // A thread of its own: a writer may wait on the pod for long (a restore's window, a backup's pacing).
                        writer = Task.Factory.StartNew(() =>
                        {
                            using var stdin = ssh.CreateInputStream();
                            // Each write to the channel is a packet of its own: a tar stream's headers and
                            // padding, hundreds of bytes each, go out in packets near the channel's size instead.
                            using var buffered = new BufferedStream(stdin, InputBufferBytes);
                            writeInput(buffered);
                            buffered.Flush();
                        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                    }
                    var complete = false;
                    try
                    {
                        read(ssh.OutputStream);
                        complete = true;
                    }
                    finally
                    {
                        if (!complete || !running.IsCompleted && !running.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(5))) TryCancel(ssh);
                    }
                    cancellationToken.ThrowIfCancellationRequested();
                    errors.Wait(TimeSpan.FromSeconds(5));
                    int? exit = null;
                    if (running.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(5)))
                    {
                        ssh.EndExecute(running);
                        exit = ssh.ExitStatus;
                    }
                    // What went wrong writing the input (a local file that could not be read) is the caller's to report.
                    Exception? inputError = null;
                    // WaitAny, not Wait: a writer that failed is an answer to report, not an exception to throw here.
                    if (writer != null && Task.WaitAny(new[] { writer }, TimeSpan.FromSeconds(5)) != 0) TryCancel(ssh);
                    if (writer != null && writer.IsFaulted) inputError = writer.Exception!.GetBaseException();
                    return new StreamedCommand(exit, stderr.Text, inputError);
                }
                catch (Exception) when (cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException(cancellationToken);
                }
                catch (Exception e) when (e is SshException || e is SocketException || e is ObjectDisposedException || e is AggregateException)
                {
                    throw new SshStageException(ArenaTestStage.Command, ArenaErrorIds.SshConnectionLost, $"The connection was lost while the command ran: {e.Message}", e);
                }
                finally
                {
                    // A command that ended without reading all of its input has failed its write: that is its answer, not ours to throw.
                    writer?.ContinueWith(t => t.Exception, TaskScheduler.Default);
                }
            }
        }

        /// <summary>An SFTP session to the same pod, its host key checked again, its operations bounded by timeout.</summary>
        public SftpClient OpenSftp(TimeSpan operationTimeout, CancellationToken cancellationToken)
        {
            var sftp = new SftpClient(Info(_target, _settings)) { OperationTimeout = operationTimeout };
            try
            {
                return Connect(sftp, _target, _settings, cancellationToken);
            }
            catch (SshStageException e) when (e.Stage == ArenaTestStage.Connect)
            {
                throw new SshStageException(ArenaTestStage.Connect, ArenaErrorIds.SftpFailed, $"SFTP to the pod failed: {e.Message}", e);
            }
        }

        /// <summary>Copies content to the pod over SFTP (host key checked), with the given Unix permissions.</summary>
        public void Upload(Stream content, string remotePath, short mode, CancellationToken cancellationToken)
        {
            using var sftp = OpenSftp(TimeSpan.FromSeconds(60), cancellationToken);
            using (cancellationToken.Register(sftp.Dispose))
            {
                try
                {
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

        /// <summary>False once the pod's side went away (sshd gone, the network dropped it) or it was closed.</summary>
        public bool IsConnected => _client.IsConnected;

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
                    settings.Log.Verbose($"{target.Pod.Name} has a new host key ({fingerprint}); it restarted after the old key was recorded, as RunPod makes new keys on restart, so the new key is accepted.");
                    settings.RenewedHostKeys.TryAdd(target.Pod.Name, 0);
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

        /// <summary>
        /// Ends a streamed command from our side: the signal, then its output closed here, so no read waits
        /// on the pod. A signal reaches only the command's own process, and what it started (a pipeline's
        /// other stages, a stalled tar) may hold the output open for as long as it likes.
        /// </summary>
        private static void Abandon(SshCommand command)
        {
            TryCancel(command);
            try
            {
                command.OutputStream.Dispose();
                command.ExtendedOutputStream.Dispose();
            }
            catch (Exception e) when (e is SshException || e is ObjectDisposedException || e is InvalidOperationException)
            {
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
    }
}
