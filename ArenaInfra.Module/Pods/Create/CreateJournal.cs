using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ArenaInfra.Common.IO;
using Newtonsoft.Json;

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
        private static readonly object Gate = new object();

        public CreateJournal(string path) => FilePath = path;

        /// <summary>How long a pending create is believed: past this, it is taken as never made.</summary>
        public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(15);

        public static CreateJournal Open() => new CreateJournal(Path.Combine(DataFolder.Path, "pending-creates.json"));

        public string FilePath { get; }

        public void Begin(string podName) => Change(entries => entries[podName] = DateTimeOffset.UtcNow);

        public void End(string podName) => Change(entries => entries.Remove(podName));

        /// <summary>Names sent within MaxAge and not answered, with when they were sent.</summary>
        public IReadOnlyDictionary<string, DateTimeOffset> Pending()
        {
            lock (Gate)
            {
                var now = DateTimeOffset.UtcNow;
                return Read().Where(e => now - e.Value < MaxAge).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
            }
        }

        private void Change(Action<Dictionary<string, DateTimeOffset>> change)
        {
            lock (Gate)
            {
                var entries = Read();
                change(entries);
                var now = DateTimeOffset.UtcNow;
                foreach (var old in entries.Where(e => now - e.Value >= MaxAge).Select(e => e.Key).ToList()) entries.Remove(old);
                try
                {
                    SafeFile.WriteAllText(FilePath, JsonConvert.SerializeObject(entries));
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    // A journal that cannot be written only loses the guard against an interrupted run, never a create.
                }
            }
        }

        private Dictionary<string, DateTimeOffset> Read()
        {
            try
            {
                if (!File.Exists(FilePath)) return new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
                var read = JsonConvert.DeserializeObject<Dictionary<string, DateTimeOffset>>(File.ReadAllText(FilePath));
                return read == null ? new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal) : new Dictionary<string, DateTimeOffset>(read, StringComparer.Ordinal);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is JsonException)
            {
                return new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            }
        }
    }
}
