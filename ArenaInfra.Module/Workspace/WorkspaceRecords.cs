using System;
using System.Collections.Generic;
using System.IO;
using ArenaInfra.Common.IO;
using Newtonsoft.Json;

namespace ArenaInfra.Workspace
{
    /// <summary>One pod's course repo, seen on its volume by Initialize-ArenaPod.</summary>
    internal sealed class WorkspaceRecord
    {
        public string PodId { get; set; } = "";
        public string? Name { get; set; }
        /// <summary>Where the repo is on the pod's volume (/workspace/&lt;repo&gt;).</summary>
        public string RepoPath { get; set; } = "";
        /// <summary>When the pod's link and volume copy were checked (this machine's clock, UTC).</summary>
        public DateTimeOffset VerifiedAt { get; set; }
        /// <summary>The pod's last start as RunPod reported it when the check was made: the record speaks for that run of the pod only.</summary>
        public DateTimeOffset? PodStartedAt { get; set; }
    }

    /// <summary>
    /// Which pods' course repos Initialize-ArenaPod checked on their volume, keyed by pod id, in
    /// workspace.json in the data folder. A record speaks only for the pod's run it was made in: a
    /// restart brings the image's checkout back into the home, so Stop-ArenaPod trusts a record only
    /// while RunPod still reports the start the record was made under (its startedAt, to the second;
    /// a start derived from an uptime, which drifts by a second or two between reads, within a few
    /// seconds). Comparing RunPod's start with this machine's clock would not do: RunPod gives whole
    /// seconds, and the clocks may differ. A link, an oversized or a malformed file is not trusted (no
    /// record: the stop then asks for -AllowDataLoss).
    /// </summary>
    internal sealed class WorkspaceRecords
    {
        private static readonly object Gate = new object();
        private const long MaxBytes = 16L * 1024 * 1024;

        public WorkspaceRecords(string path) => FilePath = path;

        public static WorkspaceRecords Open() => new WorkspaceRecords(Path.Combine(DataFolder.Path, "workspace.json"));

        public string FilePath { get; }

        public IReadOnlyDictionary<string, WorkspaceRecord> ReadAll()
        {
            lock (Gate) return Read();
        }

        public void Record(WorkspaceRecord record)
        {
            if (record.PodId.Length == 0) return;
            lock (Gate)
            {
                var records = new Dictionary<string, WorkspaceRecord>(Read(), StringComparer.Ordinal) { [record.PodId] = record };
                SafeFile.ReplaceAllText(FilePath, JsonConvert.SerializeObject(new WorkspaceFile { Pods = records }, Formatting.Indented));
            }
        }

        /// <summary>Forgets a pod's record (its repo is no longer known to be on the volume).</summary>
        public void Forget(string podId)
        {
            lock (Gate)
            {
                var records = new Dictionary<string, WorkspaceRecord>(Read(), StringComparer.Ordinal);
                if (!records.Remove(podId)) return;
                SafeFile.ReplaceAllText(FilePath, JsonConvert.SerializeObject(new WorkspaceFile { Pods = records }, Formatting.Indented));
            }
        }

        private Dictionary<string, WorkspaceRecord> Read()
        {
            var records = new Dictionary<string, WorkspaceRecord>(StringComparer.Ordinal);
            try
            {
                var info = new FileInfo(FilePath);
                if (!info.Exists || (info.Attributes & FileAttributes.ReparsePoint) != 0 || info.Length > MaxBytes) return records;
                var file = JsonConvert.DeserializeObject<WorkspaceFile>(File.ReadAllText(FilePath));
                foreach (var pair in file?.Pods ?? new Dictionary<string, WorkspaceRecord>())
                {
                    if (pair.Value == null || pair.Value.PodId != pair.Key || pair.Value.RepoPath.Length == 0) return new Dictionary<string, WorkspaceRecord>(StringComparer.Ordinal);
                    records[pair.Key] = pair.Value;
                }
                return records;
            }
            catch (Exception e) when (e is JsonException || e is IOException || e is UnauthorizedAccessException)
            {
                return new Dictionary<string, WorkspaceRecord>(StringComparer.Ordinal);
            }
        }

        /// <summary>The pod's record when it was made in the pod's current run (so the link it saw is still the one there); else null.</summary>
        public static WorkspaceRecord? Current(ArenaPod pod, IReadOnlyDictionary<string, WorkspaceRecord> records)
        {
            if (!pod.HasVolume || !records.TryGetValue(pod.Id, out var record) || record.PodStartedAt is not DateTimeOffset then) return null;
            if (pod.StartedAt is DateTimeOffset exact) return exact == then ? record : null;
            return StartOf(pod) is DateTimeOffset derived && (derived - then).Duration() <= DerivedStartSlack ? record : null;
        }

        private static readonly TimeSpan DerivedStartSlack = TimeSpan.FromSeconds(5);

        /// <summary>The pod's last start: RunPod's startedAt, else now less its uptime; null when RunPod gives neither.</summary>
        public static DateTimeOffset? StartOf(ArenaPod pod) =>
            pod.StartedAt ?? (pod.Uptime is TimeSpan up && pod.RetrievedAt != default ? pod.RetrievedAt - up : (DateTimeOffset?)null);

        internal sealed class WorkspaceFile
        {
            public int Version { get; set; } = 1;
            public Dictionary<string, WorkspaceRecord>? Pods { get; set; }
        }
    }
}
