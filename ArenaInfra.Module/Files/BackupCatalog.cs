using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Newtonsoft.Json;

namespace ArenaInfra
{
    /// <summary>What a backup of one pod holds, written beside its folder as &lt;label&gt;/&lt;pod&gt;.backup.json.</summary>
    internal sealed class BackupRecord
    {
        public string Pod { get; set; } = "";
        public string? Machine { get; set; }
        public string? PodId { get; set; }
        public DateTime CompletedUtc { get; set; }
        public bool Succeeded { get; set; }
        public int Files { get; set; }
        public long Bytes { get; set; }
        /// <summary>The pod's permission bits for each file and folder kept (relative path, octal), since the copy here keeps only the owner's.</summary>
        public Dictionary<string, string> Modes { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal);
    }

    /// <summary>A backup of one pod that a restore can use: its folder, its label, and its record when it has one.</summary>
    internal sealed class BackupSource
    {
        public BackupSource(string label, string folder, BackupRecord? record)
        {
            Label = label;
            Folder = folder;
            Record = record;
        }

        public string Label { get; }
        public string Folder { get; }
        public BackupRecord? Record { get; }

        /// <summary>The pod's permission bits for a path, when the backup recorded them.</summary>
        public int? Mode(string path) =>
            Record != null && Record.Modes.TryGetValue(path, out var octal) && int.TryParse(octal, NumberStyles.None, CultureInfo.InvariantCulture, out _)
                ? Convert.ToInt32(octal, 8) : (int?)null;
    }

    /// <summary>
    /// The backups under one root, as Backup-ArenaPod lays them out: &lt;root&gt;/&lt;label&gt;/&lt;pod name&gt;/.
    /// A pod's backups are found by its name, which is its machine's (prefix-machine), so a replacement
    /// pod with a new id finds its predecessor's.
    /// </summary>
    internal static class BackupCatalog
    {
        public const string RecordSuffix = ".backup.json";

        public static string RecordPath(string labelFolder, string podName) => Path.Combine(labelFolder, podName + RecordSuffix);

        public static void Write(string labelFolder, BackupRecord record) =>
            SafeFile.WriteAllText(RecordPath(labelFolder, record.Pod), JsonConvert.SerializeObject(record, Formatting.Indented));

        public static BackupRecord? Read(string labelFolder, string podName)
        {
            var path = RecordPath(labelFolder, podName);
            if (!File.Exists(path)) return null;
            try
            {
                return JsonConvert.DeserializeObject<BackupRecord>(File.ReadAllText(path));
            }
            catch (JsonException)
            {
                return null;
            }
        }

        /// <summary>
        /// The backup of a pod to restore: the one labelled, or else the newest that finished (by its
        /// record; a folder from before records existed counts by its time). Null when there is none.
        /// </summary>
        public static BackupSource? Find(string root, string? label, string podName)
        {
            if (label != null)
            {
                var labelled = Path.Combine(root, label);
                var folder = UntrustedValue.PathUnder(labelled, new[] { podName });
                return Directory.Exists(folder) ? new BackupSource(label, folder, Read(labelled, podName)) : null;
            }
            if (!Directory.Exists(root)) return null;
            var candidates = new List<(DateTime When, BackupSource Source)>();
            foreach (var labelFolder in Directory.GetDirectories(root))
            {
                var folder = Path.Combine(labelFolder, podName);
                if (!Directory.Exists(folder)) continue;
                var record = Read(labelFolder, podName);
                if (record != null && !record.Succeeded) continue;
                var when = record?.CompletedUtc ?? Directory.GetLastWriteTimeUtc(folder);
                candidates.Add((when, new BackupSource(Path.GetFileName(labelFolder), folder, record)));
            }
            return candidates.OrderByDescending(c => c.When).Select(c => c.Source).FirstOrDefault();
        }
    }
}
