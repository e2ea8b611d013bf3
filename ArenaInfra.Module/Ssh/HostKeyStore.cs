using System;
using System.Collections.Generic;
using System.IO;
using ArenaInfra.Common.IO;
using Newtonsoft.Json;

namespace ArenaInfra.Ssh
{
    internal sealed class HostKeyRecord
    {
        [JsonProperty("podName")] public string? PodName { get; set; }
        [JsonProperty("keyType")] public string KeyType { get; set; } = "";
        [JsonProperty("fingerprint")] public string Fingerprint { get; set; } = "";
        [JsonProperty("recordedAt")] public DateTimeOffset RecordedAt { get; set; }
    }

    /// <summary>
    /// Pods' host keys by pod id, in the module's data folder. Safe for parallel use in one process;
    /// saving merges with what other processes wrote meanwhile, and replaces the file atomically.
    /// </summary>
    internal sealed class HostKeyStore
    {
        private readonly object _gate = new object();
        private readonly Dictionary<string, HostKeyRecord> _records;
        private readonly Dictionary<string, HostKeyRecord> _changed = new Dictionary<string, HostKeyRecord>(StringComparer.Ordinal);

        private HostKeyStore(string path, Dictionary<string, HostKeyRecord> records)
        {
            Path = path;
            _records = records;
        }

        public string Path { get; }

        public static HostKeyStore Open(string? folder = null)
        {
            var path = System.IO.Path.Combine(folder ?? DataFolder.Path, "pod_host_keys.json");
            return new HostKeyStore(path, Read(path));
        }

        public HostKeyRecord? Get(string podId)
        {
            lock (_gate) return _records.TryGetValue(podId, out var record) ? record : null;
        }

        /// <summary>Every record, by pod id (a copy).</summary>
        public IReadOnlyDictionary<string, HostKeyRecord> All()
        {
            lock (_gate) return new Dictionary<string, HostKeyRecord>(_records, StringComparer.Ordinal);
        }

        public void Put(string podId, HostKeyRecord record)
        {
            lock (_gate)
            {
                _records[podId] = record;
                _changed[podId] = record;
            }
        }

        public void Save()
        {
            lock (_gate)
            {
                if (_changed.Count == 0) return;
                var merged = Read(Path);
                foreach (var change in _changed) merged[change.Key] = change.Value;
                SafeFile.WriteAllText(Path, JsonConvert.SerializeObject(merged, Formatting.Indented));
                _changed.Clear();
            }
        }

        private static Dictionary<string, HostKeyRecord> Read(string path)
        {
            if (Directory.Exists(path))
            {
                throw new ArenaException(ArenaErrorIds.HostKeyStoreInvalid, System.Management.Automation.ErrorCategory.ReadError,
                    $"The pod host-key file '{path}' is a folder, so no host key could ever be kept.",
                    "Move the folder aside; the file is made on the next connection.", target: path);
            }
            if (!File.Exists(path)) return new Dictionary<string, HostKeyRecord>(StringComparer.Ordinal);
            try
            {
                // An emptied store would make every pod's key look new, and an impostor's acceptable: it is damage, not "no keys".
                var records = JsonConvert.DeserializeObject<Dictionary<string, HostKeyRecord>>(File.ReadAllText(path))
                    ?? throw new JsonSerializationException("it is empty or null, where the records should be");
                return new Dictionary<string, HostKeyRecord>(records, StringComparer.Ordinal);
            }
            catch (JsonException e)
            {
                throw new ArenaException(ArenaErrorIds.HostKeyStoreInvalid, System.Management.Automation.ErrorCategory.ReadError,
                    $"The pod host-key file '{path}' is damaged: {e.Message}",
                    "Move the file aside (the keys will be recorded again on the next connection), or restore it from a backup.", e, path);
            }
        }
    }

    /// <summary>What to do with the host key a pod presented.</summary>
    internal enum HostKeyVerdict
    {
        Accept,
        AcceptAndRecord,
        AcceptChangedAfterRestart,
        RejectUnknown,
        RejectChanged,
    }

    internal static class HostKeyVerifier
    {
        /// <summary>
        /// The latest moment the pod can have started: RunPod counts uptime in whole seconds, so the
        /// start may lie up to a second before what the figure says.
        /// </summary>
        public static DateTimeOffset? StartedAt(ArenaPod pod) =>
            pod.Uptime is TimeSpan uptime && pod.RetrievedAt != default ? pod.RetrievedAt - uptime - TimeSpan.FromSeconds(1) : (DateTimeOffset?)null;

        /// <summary>
        /// RunPod makes a new host key whenever a container restarts. So a changed key is believable only
        /// for a pod that started after the key was recorded.
        /// </summary>
        public static HostKeyVerdict Decide(ArenaHostKeyPolicy policy, HostKeyRecord? record, string fingerprint, DateTimeOffset? podStartedAt)
        {
            if (policy == ArenaHostKeyPolicy.Ignore) return HostKeyVerdict.Accept;
            if (record == null) return policy == ArenaHostKeyPolicy.Strict ? HostKeyVerdict.RejectUnknown : HostKeyVerdict.AcceptAndRecord;
            if (string.Equals(record.Fingerprint, fingerprint, StringComparison.Ordinal)) return HostKeyVerdict.Accept;
            if (policy == ArenaHostKeyPolicy.Strict) return HostKeyVerdict.RejectChanged;
            var restartedSinceRecord = podStartedAt is DateTimeOffset started && started > record.RecordedAt;
            return restartedSinceRecord ? HostKeyVerdict.AcceptChangedAfterRestart : HostKeyVerdict.RejectChanged;
        }
    }
}
