using System;
using System.IO;
using System.Management.Automation;
using System.Text;
using System.Threading;
using ArenaInfra.Operations;
using ArenaInfra.Ssh;

namespace ArenaInfra.Proxy
{
    /// <summary>Paths and commands on the proxy machine; settings, so tests can run a proxy in a folder of their own.</summary>
    internal sealed class ProxySettings
    {
        public string Host { get; set; } = "";
        public int Port { get; set; } = 22;
        public string User { get; set; } = "root";
        public string ConfigPath { get; set; } = "~/proxy.conf";
        public string NginxConf { get; set; } = "/etc/nginx/nginx.conf";
        public string TestCommand { get; set; } = "nginx -t";
        public string ReloadCommand { get; set; } = "systemctl reload nginx";
        public string InstallCommand { get; set; } = "";
        public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);
    }

    /// <summary>
    /// The organiser's SSH session to the proxy machine, and the careful steps on it: a new nginx
    /// config is only ever left in place after nginx -t accepts it.
    /// </summary>
    internal sealed class ProxyMachine : IDisposable
    {
        private readonly SshPodConnection _connection;
        private readonly ProxySettings _settings;
        private readonly CancellationToken _cancellation;

        private ProxyMachine(SshPodConnection connection, ProxySettings settings, string home, CancellationToken cancellation)
        {
            _connection = connection;
            _settings = settings;
            _cancellation = cancellation;
            ConfigPath = Expand(settings.ConfigPath, home);
            NginxConf = Expand(settings.NginxConf, home);
        }

        /// <summary>The fleet's stream config on the proxy, with ~ expanded there.</summary>
        public string ConfigPath { get; }
        public string NginxConf { get; }

        public static ProxyMachine Connect(ProxySettings settings, SshSettings ssh, CancellationToken cancellation)
        {
            // The proxy's host key is recorded like a pod's, under a name of its own; it never restarts into a new key.
            var identity = new ArenaPod { Id = $"proxy:{settings.Host}:{settings.Port}", Name = $"the proxy {settings.Host}", Status = ArenaPodStatus.Running };
            SshPodConnection connection;
            try
            {
                connection = SshPodConnection.Open(new SshTarget(identity, settings.Host, settings.Port, settings.User), ssh, cancellation);
            }
            catch (SshStageException e)
            {
                throw new ArenaException(e.ErrorId, e.Stage == ArenaTestStage.Authenticate ? ErrorCategory.AuthenticationError : ErrorCategory.ConnectionError,
                    e.Message, "Check ProxyHost, ProxyUser, ProxySshPort and -ProxyKeyPath (your own key for the proxy, not the participants' key).", e);
            }
            var home = connection.Run("printf %s \"$HOME\"", TimeSpan.FromSeconds(30), cancellation).StdOut;
            return new ProxyMachine(connection, settings, home, cancellation);
        }

        /// <summary>The file's content, or null when it does not exist.</summary>
        public string? Read(string path)
        {
            var output = Shell($"if [ -f {Q(path)} ]; then cat -- {Q(path)}; else exit 44; fi");
            if (output.ExitCode == 44) return null;
            Check(output, $"reading {path}");
            if (output.Cut)
            {
                throw new ArenaException(ArenaErrorIds.ProxyCommandFailed, ErrorCategory.InvalidData,
                    $"{path} on the proxy is larger than {(CappedOutput.HeadBytes + CappedOutput.TailBytes) / 1024} KB, far more than a fleet's config; it was not read.",
                    "Look at the file on the proxy: something other than ArenaInfra wrote it.");
            }
            return output.StdOut;
        }

        /// <summary>Writes through a temporary file beside the target, then renames: never half a file.</summary>
        public void Write(string path, string content)
        {
            var temp = path + ".arena-new";
            Check(Shell($"mkdir -p -- \"$(dirname -- {Q(path)})\""), "creating the folder");
            using (var stream = new MemoryStream(new UTF8Encoding(false).GetBytes(content)))
            {
                _connection.Upload(stream, temp, 644, _cancellation);
            }
            Check(Shell($"mv -f -- {Q(temp)} {Q(path)}"), $"moving the new file into place at {path}");
        }

        /// <summary>Puts content at path over SFTP (the host key checked), mode 644, without any rename.</summary>
        public void Upload(string path, string content)
        {
            Check(Shell($"mkdir -p -- \"$(dirname -- {Q(path)})\""), "creating the folder");
            using var stream = new MemoryStream(new UTF8Encoding(false).GetBytes(content));
            _connection.Upload(stream, path, 644, _cancellation);
        }

        public string TestCommandText => _settings.TestCommand;
        public string ReloadCommandText => _settings.ReloadCommand;

        public CommandOutput Shell(string command) => _connection.Run(command, _settings.CommandTimeout, _cancellation);

        public CommandOutput TestNginx() => Shell(_settings.TestCommand);

        public CommandOutput ReloadNginx() => Shell(_settings.ReloadCommand);

        public CommandOutput Install() => Shell(_settings.InstallCommand);

        public static string Q(string value) => PodCheck.ShellQuote(value);

        private static string Expand(string path, string home) =>
            path == "~" ? home : path.StartsWith("~/", StringComparison.Ordinal) ? home.TrimEnd('/') + path.Substring(1) : path;

        private static void Check(CommandOutput output, string what)
        {
            if (output.ExitCode != 0)
            {
                throw new ArenaException(ArenaErrorIds.ProxyCommandFailed, ErrorCategory.InvalidOperation,
                    $"On the proxy, {what} failed (exit code {output.ExitCode?.ToString() ?? "none"}): {output.StdErr.Trim()}",
                    "Check that ProxyUser may write there.");
            }
        }

        public void Dispose() => _connection.Dispose();
    }
}
