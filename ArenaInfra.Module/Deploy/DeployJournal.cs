using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ArenaInfra.Common.IO;
using Newtonsoft.Json;

namespace ArenaInfra.Deploy
{
    /// <summary>
    /// The pods Deploy-ArenaPod created on this machine and that have not reached READY yet, kept in
    /// the data folder (deploy-pods.json, pod id to name). A pod that was there before a run may hold a
    /// participant's work, so a failed check never terminates it; a pod a stopped run created holds
    /// nothing yet, and the next run treats it as its own: replaced on a failed check, as it would have been.
    /// </summary>
    internal sealed class DeployJournal
    {
        private static readonly object Gate = new object();

        /// <summary>How long an entry is believed: an old one is a pod someone may have used since.</summary>
        public static readonly TimeSpan MaxAge = TimeSpan.FromHours(24);

        public DeployJournal(string path) => FilePath = path;

        public static DeployJournal Open() => new DeployJournal(Path.Combine(DataFolder.Path, "deploy-pods.json"));

        public string FilePath { get; }

        public void Created(string podId, string name) => Change(entries => entries[podId] = new Entry { Name = name, At = DateTimeOffset.UtcNow });

        public void Done(string podId) => Change(entries => entries.Remove(podId));

        /// <summary>Whether a Deploy-ArenaPod on this machine created this pod (under this name) and it never reached READY.</summary>
        public bool Owns(string podId, string name)
        {
            lock (Gate)
            {
                return Read().TryGetValue(podId, out var entry) && entry.Name == name && DateTimeOffset.UtcNow - entry.At < MaxAge;
            }
        }

        private void Change(Action<Dictionary<string, Entry>> change)
        {
            lock (Gate)
            {
                var entries = Read();
                change(entries);
                var now = DateTimeOffset.UtcNow;
                foreach (var old in entries.Where(e => now - e.Value.At >= MaxAge).Select(e => e.Key).ToList()) entries.Remove(old);
                try
                {
                    SafeFile.WriteAllText(FilePath, JsonConvert.SerializeObject(entries));
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    // Losing the journal only makes a re-run treat its own pods as existing ones: none is terminated wrongly.
                }
            }
        }

        private Dictionary<string, Entry> Read()
        {
            try
            {
                if (!File.Exists(FilePath)) return new Dictionary<string, Entry>(StringComparer.Ordinal);
                var read = JsonConvert.DeserializeObject<Dictionary<string, Entry>>(InputText());
                return read == null ? new Dictionary<string, Entry>(StringComparer.Ordinal)
                    : new Dictionary<string, Entry>(read.Where(e => e.Value != null && e.Value.Name != null).ToDictionary(e => e.Key, e => e.Value), StringComparer.Ordinal);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is JsonException)
            {
                return new Dictionary<string, Entry>(StringComparer.Ordinal);
            }
        }

        private string InputText()
        {
            var info = new FileInfo(FilePath);
            // Ours and small: a journal of a few hundred pods is a few tens of kB.
            if (info.Length > 4 * 1024 * 1024) throw new IOException("the deploy journal is too large to be ours");
            return File.ReadAllText(FilePath);
        }

        private sealed class Entry
        {
            public string Name { get; set; } = "";
            public DateTimeOffset At { get; set; }
        }
    }
}
