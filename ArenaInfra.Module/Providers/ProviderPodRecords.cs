using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ArenaInfra.Common;
using ArenaInfra.Common.IO;
using Newtonsoft.Json;

namespace ArenaInfra.Providers
{
    /// <summary>One machine as its provider last listed it: what is needed to keep reaching it while the provider is silent.</summary>
    internal sealed class ProviderPodRecord
    {
        public string Id { get; set; } = "";
        public string Name { get; set; } = "";
        public string? MachineName { get; set; }
        public bool IsFleetPod { get; set; }
        public string? PublicIp { get; set; }
        public int? SshPort { get; set; }
        /// <summary>The machine's own login (a machine made by hand); null for the config's SSH_USER.</summary>
        public string? SshUser { get; set; }
        public string? GpuType { get; set; }
        public int GpuCount { get; set; }
    }

    /// <summary>
    /// Each provider's last whole list, in providers.json in the data folder, written after every list
    /// that was whole. When a provider does not answer, its machines come from here as Unknown, never as
    /// gone: a silent API is not an empty one, and the proxy keeps their forwards. A link, an oversized
    /// or a malformed file is no record (then the list fails, as it would without providers).
    /// </summary>
    internal sealed class ProviderPodRecords
    {
        private static readonly object Gate = new object();
        private const long MaxBytes = 16L * 1024 * 1024;

        public ProviderPodRecords(string path) => FilePath = path;

        public static ProviderPodRecords Open() => new ProviderPodRecords(System.IO.Path.Combine(DataFolder.Path, "providers.json"));

        public string FilePath { get; }

        public void Keep(ArenaProvider provider, IReadOnlyList<ArenaPod> pods, DateTimeOffset at)
        {
            var list = new ProviderList
            {
                ListedAt = at,
                Pods = pods.Where(p => p.IsFleetPod && p.Status != ArenaPodStatus.Terminated).Select(p => new ProviderPodRecord
                {
                    Id = p.Id, Name = p.Name, MachineName = p.MachineName, IsFleetPod = p.IsFleetPod,
                    PublicIp = p.PublicIp, SshPort = p.SshPort, SshUser = p.SshUser, GpuType = p.GpuType, GpuCount = p.GpuCount,
                }).ToList(),
            };
            lock (Gate)
            {
                var file = Read() ?? new ProvidersFile();
                file.Providers[provider.ToString()] = list;
                SafeFile.ReplaceAllText(FilePath, JsonConvert.SerializeObject(file, Formatting.Indented));
            }
        }

        /// <summary>The provider's last whole list as pods of unknown state (the reason says why), or null when there is none.</summary>
        public IReadOnlyList<ArenaPod>? LastKnown(ArenaProvider provider, string reason)
        {
            ProvidersFile? file;
            lock (Gate) file = Read();
            if (file == null || !file.Providers.TryGetValue(provider.ToString(), out var list) || list?.Pods == null) return null;
            var pods = new List<ArenaPod>();
            foreach (var r in list.Pods)
            {
                // The file is ours, but it sits on disk: what goes into ssh configs and nginx passes the same gate as an API's answer.
                if (r == null || r.Id.Length == 0 || UntrustedValue.PodNameProblem(r.Name) != null) return null;
                if (r.MachineName != null && (UntrustedValue.PodNameProblem(r.MachineName) != null || !r.Name.EndsWith("-" + r.MachineName, StringComparison.Ordinal))) return null;
                if (r.PublicIp != null && UntrustedValue.HostProblem(r.PublicIp) != null) return null;
                if (r.SshPort != null && UntrustedValue.PortProblem(r.SshPort) != null) return null;
                if (r.SshUser != null && UntrustedValue.UserNameProblem(r.SshUser) != null) return null;
                pods.Add(new ArenaPod
                {
                    Provider = provider, Id = r.Id, Name = TerminalText.Safe(r.Name), MachineName = r.MachineName, IsFleetPod = r.IsFleetPod,
                    PublicIp = r.PublicIp, SshPort = r.SshPort, SshUser = r.SshUser, GpuType = r.GpuType == null ? null : TerminalText.Safe(r.GpuType), GpuCount = r.GpuCount,
                    Status = ArenaPodStatus.Unknown, RetrievedAt = list.ListedAt,
                    ProviderProblem = $"{provider} did not answer ({reason}); as last listed {list.ListedAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC",
                });
            }
            return pods;
        }

        private ProvidersFile? Read()
        {
            try
            {
                var info = new FileInfo(FilePath);
                if (!info.Exists || (info.Attributes & FileAttributes.ReparsePoint) != 0 || info.Length > MaxBytes) return null;
                var file = JsonConvert.DeserializeObject<ProvidersFile>(File.ReadAllText(FilePath));
                return file?.Providers == null ? null : file;
            }
            catch (Exception e) when (e is JsonException || e is IOException || e is UnauthorizedAccessException)
            {
                return null;
            }
        }

        internal sealed class ProviderList
        {
            public DateTimeOffset ListedAt { get; set; }
            public List<ProviderPodRecord>? Pods { get; set; }
        }

        internal sealed class ProvidersFile
        {
            public int Version { get; set; } = 1;
            public Dictionary<string, ProviderList> Providers { get; set; } = new Dictionary<string, ProviderList>(StringComparer.Ordinal);
        }
    }
}
