using System;

namespace ArenaInfra.Ssh
{
    /// <summary>Where and as whom one pod is reached.</summary>
    internal sealed class SshTarget
    {
        public SshTarget(ArenaPod pod, string host, int port, string user)
        {
            Pod = pod;
            Host = host;
            Port = port;
            User = user;
        }

        public ArenaPod Pod { get; }
        public string Host { get; }
        public int Port { get; }
        public string User { get; }
        public string Endpoint => $"{Host}:{Port}";

        /// <summary>The pod's direct public endpoint; null when it has none. The user is the pod's own when it names one, else the config's.</summary>
        public static SshTarget? Direct(ArenaPod pod, string user) =>
            pod.PublicIp != null && pod.SshPort is int port ? new SshTarget(pod, pod.PublicIp, port, UserFor(pod, user)) : null;

        /// <summary>The pod through the proxy: the proxy host at the pod's proxy port, as participants reach it (the proxy passes the bytes on, so the login is the pod's).</summary>
        public static SshTarget? ViaProxy(ArenaPod pod, string proxyHost, string user) =>
            pod.ProxyPort is int port ? new SshTarget(pod, proxyHost, port, UserFor(pod, user)) : null;

        /// <summary>The one place a pod's login is decided: its own user (a machine made by hand), else the config's SSH_USER.</summary>
        public static string UserFor(ArenaPod pod, string configUser) => pod.SshUser ?? configUser;

        public override string ToString() => Pod.Name;
    }

    /// <summary>A failure before or while talking to a pod, with the stage it happened at.</summary>
    internal sealed class SshStageException : Exception
    {
        public SshStageException(ArenaTestStage stage, string errorId, string message, Exception? inner = null) : base(message, inner)
        {
            Stage = stage;
            ErrorId = errorId;
        }

        public ArenaTestStage Stage { get; }
        public string ErrorId { get; }
    }

    internal sealed class CommandOutput
    {
        public CommandOutput(int? exitCode, string stdOut, string stdErr, bool timedOut, bool cut = false)
        {
            ExitCode = exitCode;
            StdOut = stdOut;
            StdErr = stdErr;
            TimedOut = timedOut;
            Cut = cut;
        }

        /// <summary>The output was longer than CappedOutput keeps: StdOut or StdErr has a gap marked in it.</summary>
        public bool Cut { get; }

        public int? ExitCode { get; }
        public string StdOut { get; }
        public string StdErr { get; }
        public bool TimedOut { get; }
    }

    /// <summary>A data command's end: its exit code (null when it had to be ended) and what it said on standard error.</summary>
    internal sealed class StreamedCommand
    {
        public StreamedCommand(int? exitCode, string stdErr, Exception? inputError = null)
        {
            ExitCode = exitCode;
            StdErr = stdErr;
            InputError = inputError;
        }

        /// <summary>Why writing the command's input stopped early, if it did.</summary>
        public Exception? InputError { get; }

        public int? ExitCode { get; }
        public string StdErr { get; }
    }
}
