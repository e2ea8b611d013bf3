using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Newtonsoft.Json;

namespace ArenaInfra.Common.IO
{
    /// <summary>
    /// A small JSON file of entries by key, each dated, kept in the data folder: changed whole under one
    /// lock, written through SafeFile, and an entry older than MaxAge is believed no more and dropped on
    /// the next write. A journal only guards against an interrupted run, so losing it must never lose
    /// work: a file that cannot be read (missing, too large to be ours, not JSON) reads as empty, and one
    /// that cannot be written is left as it was.
    /// </summary>
    internal sealed class DatedJournal<TEntry>
    {
        // One lock a kind of journal for the whole process: parallel pods of one batch change it together.
        private static readonly object Gate = new object();

        /// <summary>A journal of a few hundred pods is a few tens of kB; anything far larger is not ours.</summary>
        private const long MaxBytes = 4 * 1024 * 1024;

        private readonly Func<TEntry, DateTimeOffset> _dated;

        public DatedJournal(string path, TimeSpan maxAge, Func<TEntry, DateTimeOffset> dated)
        {
            FilePath = path;
            MaxAge = maxAge;
            _dated = dated;
        }

        public string FilePath { get; }
        public TimeSpan MaxAge { get; }

        /// <summary>The entries younger than MaxAge.</summary>
        public Dictionary<string, TEntry> Fresh()
        {
            lock (Gate)
            {
                var now = DateTimeOffset.UtcNow;
                return Read().Where(e => now - _dated(e.Value) < MaxAge).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
            }
        }

        public void Change(Action<Dictionary<string, TEntry>> change)
        {
            lock (Gate)
            {
                var entries = Read();
                change(entries);
                var now = DateTimeOffset.UtcNow;
                foreach (var old in entries.Where(e => now - _dated(e.Value) >= MaxAge).Select(e => e.Key).ToList()) entries.Remove(old);
                try
                {
                    SafeFile.WriteAllText(FilePath, JsonConvert.SerializeObject(entries));
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    // What the journal guards is lost; nothing else is.
                }
            }
        }

        private Dictionary<string, TEntry> Read()
        {
            var entries = new Dictionary<string, TEntry>(StringComparer.Ordinal);
            try
            {
                var info = new FileInfo(FilePath);
                if (!info.Exists || info.Length > MaxBytes) return entries;
                var read = JsonConvert.DeserializeObject<Dictionary<string, TEntry>>(File.ReadAllText(FilePath));
                if (read == null) return entries;
                foreach (var pair in read.Where(e => e.Value != null)) entries[pair.Key] = pair.Value;
                return entries;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is JsonException)
            {
                return entries;
            }
        }
    }
}
