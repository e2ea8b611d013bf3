using System;
using System.Collections.Generic;
using System.IO;
using ArenaInfra.Common.IO;
using Newtonsoft.Json;

namespace ArenaInfra.Repair
{
    /// <summary>How far one pod's replacement got: kept until every step has worked.</summary>
    internal sealed class RepairEntry
    {
        public string Name { get; set; } = "";
        public string? Machine { get; set; }
        public string? OldPodId { get; set; }
        /// <summary>Set once the old pod was terminated: a re-run never terminates again.</summary>
        public bool Terminated { get; set; }
        /// <summary>Set once the new pod was created: a re-run carries on with it instead of creating another.</summary>
        public string? NewPodId { get; set; }
        /// <summary>What the old pod was, so that a re-run after its termination creates the same pod.</summary>
        public string? GpuTypeId { get; set; }
        public int GpuCount { get; set; }
        public string? Image { get; set; }
        public int? DiskSizeGB { get; set; }
        public int? VolumeSizeGB { get; set; }
        public DateTimeOffset StartedAt { get; set; }

        /// <summary>Read from the journal: an earlier run left it, and this one carries it on.</summary>
        [JsonIgnore]
        public bool Resumed { get; set; }
    }

    /// <summary>
    /// The replacements in progress, kept in the data folder (repairs.json): a Repair-ArenaPod that
    /// stops part of the way (Ctrl+C, a step that failed, a lost network) is carried on by the next run
    /// from where it stopped, never terminating or creating twice. An entry goes when its pod is done.
    /// </summary>
    internal sealed class RepairJournal
    {
        private static readonly object Gate = new object();

        public RepairJournal(string path) => FilePath = path;

        public static RepairJournal Open() => new RepairJournal(Path.Combine(DataFolder.Path, "repairs.json"));

        public string FilePath { get; }

        public RepairEntry? Get(string name)
        {
            lock (Gate) return Read().TryGetValue(name, out var entry) ? entry : null;
        }

        public IReadOnlyCollection<RepairEntry> All()
        {
            lock (Gate) return Read().Values;
        }

        public void Put(RepairEntry entry) => Change(entries => entries[entry.Name] = entry);

        public void Remove(string name) => Change(entries => entries.Remove(name));

        private void Change(Action<Dictionary<string, RepairEntry>> change)
        {
            lock (Gate)
            {
                var entries = Read();
                change(entries);
                // Unlike the create journal this one must be written: without it a re-run would terminate the new pod.
                SafeFile.WriteAllText(FilePath, JsonConvert.SerializeObject(entries, Formatting.Indented));
            }
        }

        private Dictionary<string, RepairEntry> Read()
        {
            try
            {
                if (!File.Exists(FilePath)) return new Dictionary<string, RepairEntry>(StringComparer.Ordinal);
                var read = JsonConvert.DeserializeObject<Dictionary<string, RepairEntry>>(File.ReadAllText(FilePath));
                return read == null ? new Dictionary<string, RepairEntry>(StringComparer.Ordinal) : new Dictionary<string, RepairEntry>(read, StringComparer.Ordinal);
            }
            catch (JsonException)
            {
                return new Dictionary<string, RepairEntry>(StringComparer.Ordinal);
            }
        }
    }
}
