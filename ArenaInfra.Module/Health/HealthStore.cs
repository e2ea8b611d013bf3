using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ArenaInfra.Common.IO;
using Newtonsoft.Json;

namespace ArenaInfra.Health
{
    /// <summary>The last deep-check verdict of one pod, as kept in the data folder.</summary>
    internal sealed class HealthRecord
    {
        public string PodId { get; set; } = "";
        public string? Name { get; set; }
        /// <summary>PASS, WARN or FAIL.</summary>
        public string Verdict { get; set; } = "";
        public DateTimeOffset CheckedAt { get; set; }
        /// <summary>The first failing (else warning) check and its reason; null when all passed.</summary>
        public string? Reason { get; set; }
        public string? MachineId { get; set; }

        public static HealthRecord Of(ArenaPodTestResult result, bool passed, DateTimeOffset at)
        {
            var first = result.FirstProblem;
            return new HealthRecord
            {
                PodId = result.PodId ?? "",
                Name = result.Name,
                // A run that never produced verdicts (no connection) is a failure too.
                Verdict = (passed ? result.Verdict ?? ArenaCheckVerdict.Pass : ArenaCheckVerdict.Fail).ToString().ToUpperInvariant(),
                CheckedAt = at,
                Reason = first != null ? $"{first.Name}: {first.Reason}" : passed ? null : result.Error,
                MachineId = result.MachineId,
            };
        }

        /// <summary>The verdict as the enum; null for a record that names none (an edited file).</summary>
        public ArenaCheckVerdict? ParsedVerdict => Verdict switch { "PASS" => ArenaCheckVerdict.Pass, "WARN" => ArenaCheckVerdict.Warn, "FAIL" => ArenaCheckVerdict.Fail, _ => (ArenaCheckVerdict?)null };
    }

    /// <summary>
    /// The last deep-check verdict of each pod, keyed by pod id, in health.json in the data folder:
    /// written after every deep check, read once by Get-ArenaPod for its Health column. The file is
    /// ours alone, so a link in its place is refused and replaced, never followed; a file that does
    /// not read as ours is ignored with a warning, never half-trusted.
    /// </summary>
    internal sealed class HealthStore
    {
        private static readonly object Gate = new object();
        /// <summary>Far above 5,000 pods' records (about 250 bytes each).</summary>
        internal const long MaxBytes = 16L * 1024 * 1024;

        public HealthStore(string path) => FilePath = path;

        public static HealthStore Open() => new HealthStore(Path.Combine(DataFolder.Path, "health.json"));

        public string FilePath { get; }

        /// <summary>Every pod's record; a problem with the file is said in warning (and no record is trusted).</summary>
        public IReadOnlyDictionary<string, HealthRecord> ReadAll(out string? warning)
        {
            lock (Gate) return Read(out warning);
        }

        /// <summary>Keeps one pod's verdict, replacing its last. Throws IOException or UnauthorizedAccessException when it cannot be written.</summary>
        public void Record(HealthRecord record)
        {
            if (record.PodId.Length == 0) return;
            lock (Gate)
            {
                var records = new Dictionary<string, HealthRecord>(Read(out _), StringComparer.Ordinal) { [record.PodId] = record };
                SafeFile.ReplaceAllText(FilePath, JsonConvert.SerializeObject(new HealthFile { Pods = records }, Formatting.Indented));
            }
        }

        private Dictionary<string, HealthRecord> Read(out string? warning)
        {
            warning = null;
            var none = new Dictionary<string, HealthRecord>(StringComparer.Ordinal);
            FileInfo info;
            try
            {
                info = new FileInfo(FilePath);
                if (!info.Exists) return none;
                if ((info.Attributes & FileAttributes.ReparsePoint) != 0)
                {
                    warning = $"{FilePath} is a link, not the module's own file: the pods' health is not shown from it (the next deep check replaces it).";
                    return none;
                }
                if (info.Length > MaxBytes)
                {
                    warning = $"{FilePath} is larger than {MaxBytes / (1024 * 1024)} MB, more than the module writes: the pods' health is not shown from it.";
                    return none;
                }
                var file = JsonConvert.DeserializeObject<HealthFile>(File.ReadAllText(FilePath));
                var pods = file?.Pods ?? throw new JsonException("no pods");
                foreach (var pair in pods)
                {
                    var record = pair.Value;
                    if (record == null || record.PodId != pair.Key || record.ParsedVerdict == null) throw new JsonException($"record '{pair.Key}' is not one the module writes");
                    none[pair.Key] = record;
                }
                return none;
            }
            catch (Exception e) when (e is JsonException || e is IOException || e is UnauthorizedAccessException)
            {
                warning = $"{FilePath} could not be read ({e.Message}): the pods' health is not shown from it (the next deep check writes it anew).";
                return new Dictionary<string, HealthRecord>(StringComparer.Ordinal);
            }
        }

        internal sealed class HealthFile
        {
            public int Version { get; set; } = 1;
            public Dictionary<string, HealthRecord>? Pods { get; set; }
        }

        /// <summary>Shows the record on the pod as Get-ArenaPod lists it.</summary>
        public static void Show(ArenaPod pod, IReadOnlyDictionary<string, HealthRecord> records)
        {
            if (!records.TryGetValue(pod.Id, out var record)) return;
            pod.Health = record.ParsedVerdict;
            pod.HealthCheckedAt = record.CheckedAt;
            pod.HealthReason = record.Reason;
        }
    }
}
