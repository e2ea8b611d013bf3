using System;
using System.IO;
using ArenaInfra.Common.IO;

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
        /// <summary>How long an entry is believed: an old one is a pod someone may have used since.</summary>
        public static readonly TimeSpan MaxAge = TimeSpan.FromHours(24);

        private readonly DatedJournal<Entry> _file;

        public DeployJournal(string path) => _file = new DatedJournal<Entry>(path, MaxAge, entry => entry.At);

        public static DeployJournal Open() => new DeployJournal(Path.Combine(DataFolder.Path, "deploy-pods.json"));

        public string FilePath => _file.FilePath;

        public void Created(string podId, string name) => _file.Change(entries => entries[podId] = new Entry { Name = name, At = DateTimeOffset.UtcNow });

        public void Done(string podId) => _file.Change(entries => entries.Remove(podId));

        /// <summary>Whether a Deploy-ArenaPod on this machine created this pod (under this name) and it never reached READY.</summary>
        public bool Owns(string podId, string name) => _file.Fresh().TryGetValue(podId, out var entry) && entry.Name == name;

        private sealed class Entry
        {
            public string Name { get; set; } = "";
            public DateTimeOffset At { get; set; }
        }
    }
}
