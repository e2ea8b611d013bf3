using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using ArenaInfra.Common;
using ArenaInfra.Common.IO;
using Newtonsoft.Json;

namespace ArenaInfra.Backup
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

    /// <summary>Which backup a restore uses, and why, in words for its result; Source is null when there is none to use.</summary>
    internal sealed class BackupChoice
    {
        public BackupChoice(BackupSource? source, string reason)
        {
            Source = source;
            Reason = reason;
        }

        public BackupSource? Source { get; }
        public string Reason { get; }
    }

    /// <summary>
    /// The backups under one root, as Backup-ArenaPod lays them out: &lt;root&gt;/&lt;label&gt;/&lt;pod name&gt;/,
    /// with the pod's record beside its folder. A pod's backups are found by its name, which is its
    /// machine's (prefix-machine), so a replacement pod with a new id finds its predecessor's. A backup
    /// is finished only when its record says so: the record is removed before the first file of a run
    /// is written and written again after the last, so a run that stopped part way leaves none.
    /// </summary>
    internal static class BackupCatalog
    {
        public const string RecordSuffix = ".backup.json";

        public static string RecordPath(string labelFolder, string podName) => Path.Combine(labelFolder, podName + RecordSuffix);

        /// <summary>Before a run writes into a pod's folder: its record goes, and with it the claim that the folder holds a finished backup.</summary>
        public static void Begin(string labelFolder, string podName)
        {
            var path = RecordPath(labelFolder, podName);
            // A link there is removed itself, never what it points at.
            if (BackupFolder.Attributes(path) != null) File.Delete(path);
        }

        /// <summary>The record, replacing whatever is at its name (a link there is replaced, never written through).</summary>
        public static void Write(string labelFolder, BackupRecord record) =>
            SafeFile.ReplaceAllText(RecordPath(labelFolder, record.Pod), JsonConvert.SerializeObject(record, Formatting.Indented));

        /// <summary>The pod's record in a label's folder; null when there is none, or something other than a file is at its name.</summary>
        public static BackupRecord? Read(string labelFolder, string podName)
        {
            var path = RecordPath(labelFolder, podName);
            var attributes = BackupFolder.Attributes(path);
            if (attributes == null || (attributes.Value & (FileAttributes.ReparsePoint | FileAttributes.Directory)) != 0) return null;
            try
            {
                return JsonConvert.DeserializeObject<BackupRecord>(File.ReadAllText(path));
            }
            catch (Exception e) when (e is JsonException || e is IOException || e is UnauthorizedAccessException)
            {
                return null;
            }
        }

        /// <summary>
        /// The backup of a pod to restore: the one labelled, or else the newest finished one (by its
        /// record's time). Only finished backups are candidates; a label or pod folder that is a link is
        /// never one (and is named in the reason); asked for by label, a link is a BackupLinkException.
        /// </summary>
        public static BackupChoice Find(string root, string? label, string podName)
        {
            if (label != null)
            {
                var labelled = UntrustedValue.PathUnder(root, new[] { label });
                var folder = UntrustedValue.PathUnder(labelled, new[] { podName });
                if (IsLink(labelled)) throw new BackupLinkException(labelled);
                if (IsLink(folder)) throw new BackupLinkException(folder);
                if (!Directory.Exists(folder)) return new BackupChoice(null, $"no backup labelled '{label}' holds {podName} under {root}");
                var record = Read(labelled, podName);
                var reason = Finished(record)
                    ? $"asked for with -Label; the backup finished at {record!.CompletedUtc:u}"
                    : $"asked for with -Label, though that backup did not finish ({Unfinished(record)}), so files may be missing from it";
                return new BackupChoice(new BackupSource(label, folder, record), reason);
            }
            // The pod's name must be a folder name: ArgumentException otherwise, as with a label.
            UntrustedValue.PathUnder(root, new[] { podName });
            var leftOut = new List<string>();
            var candidates = new List<(DateTime When, BackupSource Source)>();
            if (Directory.Exists(root))
            {
                foreach (var labelFolder in Directory.GetDirectories(root).OrderBy(f => f, StringComparer.Ordinal))
                {
                    var name = Path.GetFileName(labelFolder);
                    var folder = Path.Combine(labelFolder, podName);
                    if (IsLink(labelFolder))
                    {
                        if (BackupFolder.Attributes(folder) != null) leftOut.Add($"'{name}' (a link, never followed)");
                        continue;
                    }
                    if (IsLink(folder))
                    {
                        leftOut.Add($"'{name}' (its folder {podName} is a link, never followed)");
                        continue;
                    }
                    if (!Directory.Exists(folder)) continue;
                    var record = Read(labelFolder, podName);
                    if (!Finished(record))
                    {
                        leftOut.Add($"'{name}' ({Unfinished(record)})");
                        continue;
                    }
                    candidates.Add((record!.CompletedUtc, new BackupSource(name, folder, record)));
                }
            }
            var others = leftOut.Count == 0 ? "" : "; left out: " + string.Join(", ", leftOut);
            if (candidates.Count == 0) return new BackupChoice(null, $"no finished backup holds {podName} under {root}{others}");
            var newest = candidates.OrderByDescending(c => c.When).ThenByDescending(c => c.Source.Label, StringComparer.Ordinal).First();
            return new BackupChoice(newest.Source, $"the newest finished backup of {podName} (finished {newest.When:u}){others}");
        }

        private static bool Finished(BackupRecord? record) => record != null && record.Succeeded;

        private static string Unfinished(BackupRecord? record) =>
            record == null ? "no record of a finished backup: it stopped part way, or predates records" : "its record says it did not finish";

        private static bool IsLink(string path)
        {
            var attributes = BackupFolder.Attributes(path);
            return attributes != null && (attributes.Value & FileAttributes.ReparsePoint) != 0;
        }
    }
}
