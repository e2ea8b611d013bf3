using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace ArenaInfra.Common
{
    /// <summary>
    /// The one gate for what comes from outside (RunPod's API, anyone with access to the account, a pod
    /// whose participants have root) before it goes into a file, a path, a config or a command: each
    /// value is checked against what it must be. Renderers and writers take only what passes; what
    /// fails is skipped with a reason that names it.
    /// </summary>
    internal static class UntrustedValue
    {
        // One DNS label (RFC 1123): what an ssh Host alias, an nginx upstream, a file name and RunPod all accept.
        private static readonly Regex Label = new Regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\z", RegexOptions.CultureInvariant);
        private static readonly Regex HostNameLabel = new Regex("^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\z", RegexOptions.CultureInvariant);

        /// <summary>Why a pod's name cannot go into a config or a path; null when it can.</summary>
        public static string? PodNameProblem(string name) =>
            Label.IsMatch(name) ? null : $"its name '{Printable(name)}' is not a host-name label (lower-case letters, digits and '-')";

        /// <summary>Why an address cannot be connected to or written into a config; null for an IP address or a DNS host name.</summary>
        public static string? HostProblem(string host)
        {
            if (host.Length == 0 || host.Length > 253) return $"its address '{Printable(host)}' is empty or too long";
            if (IPAddress.TryParse(host, out var ip) && host.IndexOfAny(new[] { ' ', '\n', '\r', '\t', '%', '/' }) < 0 && (ip.ToString() == host || host.Contains(':'))) return null;
            return host.Split('.').All(l => HostNameLabel.IsMatch(l)) ? null : $"its address '{Printable(host)}' is neither an IP address nor a host name";
        }

        // POSIX's portable user name (the portable file-name characters, no '-' first), as SSH_USER takes it.
        private static readonly Regex UserName = new Regex("^[A-Za-z0-9._][A-Za-z0-9._-]{0,63}\\z", RegexOptions.CultureInvariant);

        /// <summary>Why a user name cannot go into an ssh config or an SSH login; null when it can.</summary>
        public static string? UserNameProblem(string user) =>
            UserName.IsMatch(user) && user.Trim('.').Length > 0 ? null : $"the user '{Printable(user)}' is not a user name (letters, digits, '.', '_' and '-', not '-' first)";

        public static string? PortProblem(int? port) => port is int p && p > 0 && p <= 65535 ? null : $"its port {port?.ToString() ?? "(none)"} is not a TCP port";

        /// <summary>Why a pod cannot be written into a config or a path (and, with needsEndpoint, connected to); null when it can.</summary>
        public static string? PodProblem(ArenaPod pod, bool needsEndpoint)
        {
            var name = PodNameProblem(pod.Name);
            if (name != null) return name;
            if (pod.SshUser != null && UserNameProblem(pod.SshUser) is string user) return user;
            if (!needsEndpoint) return null;
            return pod.PublicIp == null ? null : HostProblem(pod.PublicIp) ?? PortProblem(pod.SshPort);
        }

        /// <summary>The pods that pass; for each that does not, a warning that names it and says why.</summary>
        public static List<ArenaPod> Usable(IEnumerable<ArenaPod> pods, bool needsEndpoint, Action<string> warn)
        {
            var usable = new List<ArenaPod>();
            foreach (var pod in pods)
            {
                var problem = PodProblem(pod, needsEndpoint);
                if (problem == null) usable.Add(pod);
                else warn($"The pod {Printable(pod.Name)} ({Printable(pod.Id)}) is left out: {problem}.");
            }
            return usable;
        }

        /// <summary>Why a name a pod sent cannot be a local file or folder name; null when it can.</summary>
        public static string? FileNameProblem(string name)
        {
            if (name.Length == 0) return "an empty name";
            if (name == "." || name == "..") return $"the name '{name}'";
            if (name.IndexOfAny(new[] { '/', '\\', ':', '\0' }) >= 0) return $"the name '{Printable(name)}' holds a path separator";
            if (name.Any(char.IsControl)) return $"the name '{Printable(name)}' holds a control character";
            if (Encoding.UTF8.GetByteCount(name) > 255) return $"the name '{Printable(name.Substring(0, Math.Min(40, name.Length)))}...' is longer than 255 bytes";
            if (name.EndsWith(".", StringComparison.Ordinal) || name.EndsWith(" ", StringComparison.Ordinal)) return $"the name '{Printable(name)}' ends with a dot or a space (Windows cannot keep it)";
            return null;
        }

        /// <summary>root joined with the relative parts, checked to stay under root; throws when it would not.</summary>
        public static string PathUnder(string root, IEnumerable<string> parts)
        {
            var full = Path.GetFullPath(root);
            var path = full;
            foreach (var part in parts)
            {
                var problem = FileNameProblem(part);
                if (problem != null) throw new ArgumentException($"'{Printable(part)}' cannot be part of a local path: {problem}.");
                path = Path.Combine(path, part);
            }
            var resolved = Path.GetFullPath(path);
            var prefix = full.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal) ? full : full + Path.DirectorySeparatorChar;
            if (resolved != full && !resolved.StartsWith(prefix, StringComparison.Ordinal)) throw new ArgumentException($"'{Printable(path)}' is outside '{full}'.");
            return resolved;
        }

        /// <summary>A value for a message: control characters shown as '?', cut at 80 characters.</summary>
        public static string Printable(string? text)
        {
            if (text == null) return "(none)";
            var one = TerminalText.SafeLine(text);
            return one.Length <= 80 ? one : one.Substring(0, 80) + "...";
        }
    }
}
