using System;
using System.Collections.Generic;
using System.IO;
using ArenaInfra.Common.IO;

namespace ArenaInfra.Pods.Create
{
    /// <summary>
    /// The creates this machine has sent and not yet heard back from, kept in the data folder
    /// (pending-creates.json). RunPod can take longer to create a pod than to list pods: a create cut off
    /// by Ctrl+C may still produce its pod minutes later. A new create batch treats a recent pending name
    /// as taken, so an immediate re-run never buys the same pod twice.
    /// </summary>
    internal sealed class CreateJournal
    {
        /// <summary>How long a pending create is believed: past this, it is taken as never made.</summary>
        public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(15);

        private readonly DatedJournal<DateTimeOffset> _file;

        public CreateJournal(string path) => _file = new DatedJournal<DateTimeOffset>(path, MaxAge, sent => sent);

        public static CreateJournal Open() => new CreateJournal(Path.Combine(DataFolder.Path, "pending-creates.json"));

        public string FilePath => _file.FilePath;

        public void Begin(string podName) => _file.Change(entries => entries[podName] = DateTimeOffset.UtcNow);

        public void End(string podName) => _file.Change(entries => entries.Remove(podName));

        /// <summary>Names sent within MaxAge and not answered, with when they were sent.</summary>
        public IReadOnlyDictionary<string, DateTimeOffset> Pending() => _file.Fresh();
    }
}
