using System;
using System.Text.RegularExpressions;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace ArenaInfra.VsCode
{
    /// <summary>
    /// One VS Code server build as VS Code's update service describes it:
    /// GET {service}/api/update/server-linux-{arch}/stable/latest answers
    /// {"url": ..., "version": "&lt;commit&gt;", "sha256hash": ..., ...}, the same service Remote-SSH asks
    /// (its downloads are {service}/commit:&lt;commit&gt;/server-linux-x64/stable, redirected to Microsoft's CDN).
    /// The answer is untrusted: it is read strictly here, and only a 40-hex commit, a 64-hex SHA-256
    /// and a URL on the service itself or on VS Code's own download hosts get anywhere near a shell.
    /// </summary>
    internal sealed class VsCodeServerBuild
    {
        private VsCodeServerBuild(string commit, string sha256, string url)
        {
            Commit = commit;
            Sha256 = sha256;
            Url = url;
        }

        public string Commit { get; }
        public string Sha256 { get; }
        public string Url { get; }

        private static readonly Regex Commit40 = new Regex("^[0-9a-f]{40}$", RegexOptions.CultureInvariant);
        private static readonly Regex Hash64 = new Regex("^[0-9a-f]{64}$", RegexOptions.CultureInvariant);

        /// <summary>Where VS Code's builds are served from, besides the configured service itself.</summary>
        private static readonly string[] DownloadHosts = { "update.code.visualstudio.com", "vscode.download.prss.microsoft.com", "az764295.vo.msecnd.net" };

        /// <summary>The platform name the service knows for a pod's `uname -m`; null for one it builds no server for.</summary>
        public static string? Platform(string machine) => machine.Trim() switch
        {
            "x86_64" or "amd64" => "server-linux-x64",
            "aarch64" or "arm64" => "server-linux-arm64",
            "armv7l" or "armv8l" => "server-linux-armhf",
            _ => null,
        };

        /// <summary>The build an answer describes; VsCodeAnswerRefused (with the reason) for anything else.</summary>
        public static VsCodeServerBuild Parse(string body, Uri service)
        {
            JObject answer;
            try
            {
                answer = JObject.Parse(body);
            }
            catch (JsonException)
            {
                throw new VsCodeAnswerRefused("it is not a JSON object");
            }
            var commit = Field(answer, "version");
            var sha = Field(answer, "sha256hash");
            var url = Field(answer, "url");
            if (!Commit40.IsMatch(commit)) throw new VsCodeAnswerRefused("its version is not a 40-hex commit");
            if (!Hash64.IsMatch(sha)) throw new VsCodeAnswerRefused("its sha256hash is not 64 hex digits");
            if (url.Length > 2000 || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.UserInfo.Length > 0 || !Allowed(uri, service))
            {
                throw new VsCodeAnswerRefused("its download URL is neither on the update service nor on VS Code's download hosts");
            }
            return new VsCodeServerBuild(commit, sha, uri.AbsoluteUri);
        }

        private static bool Allowed(Uri uri, Uri service)
        {
            if (uri.Scheme == service.Scheme && string.Equals(uri.Host, service.Host, StringComparison.OrdinalIgnoreCase) && uri.Port == service.Port) return true;
            if (uri.Scheme != "https" || !uri.IsDefaultPort) return false;
            foreach (var host in DownloadHosts)
            {
                if (string.Equals(uri.Host, host, StringComparison.OrdinalIgnoreCase)) return true;
            }
            return false;
        }

        private static string Field(JObject answer, string name) =>
            answer[name] is JValue value && value.Type == JTokenType.String ? (string)value! : throw new VsCodeAnswerRefused($"it has no text '{name}'");
    }

    /// <summary>An update service answer that is not one to act on.</summary>
    internal sealed class VsCodeAnswerRefused : Exception
    {
        public VsCodeAnswerRefused(string reason) : base(reason) { }
    }
}
