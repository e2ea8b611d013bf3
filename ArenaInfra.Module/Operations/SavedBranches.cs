using System;
using System.Collections.Generic;
using System.IO;
using ArenaInfra.Common.IO;
using Newtonsoft.Json;

namespace ArenaInfra.Operations
{
    /// <summary>One autocommit branch as Save-ArenaPodWork pushed it.</summary>
    internal sealed class SavedBranch
    {
        public string Repo { get; set; } = "";
        public string Branch { get; set; } = "";
        public string Commit { get; set; } = "";
        public string? Pod { get; set; }
        public DateTime SavedUtc { get; set; }
    }

    /// <summary>
    /// The commits Save-ArenaPodWork pushed, kept in the data folder (saved-branches.json). Every pod
    /// pushes with the same deploy key, so anyone on any pod can rewrite anyone's autocommit branch in
    /// the shared origin: this record, kept on the organiser's machine where no participant can reach
    /// it, is what a restore checks the branch against.
    /// </summary>
    internal sealed class SavedBranches
    {
        private static readonly object Gate = new object();

        public SavedBranches(string path) => FilePath = path;

        public static SavedBranches Open() => new SavedBranches(Path.Combine(DataFolder.Path, "saved-branches.json"));

        public string FilePath { get; }

        /// <summary>The commit last pushed to the branch of this repository; null when none was recorded here.</summary>
        public SavedBranch? Get(string repo, string branch)
        {
            lock (Gate) return Read().TryGetValue(Key(repo, branch), out var saved) ? saved : null;
        }

        /// <summary>Records a push; throws IOException or UnauthorizedAccessException when the record cannot be written.</summary>
        public void Put(SavedBranch saved)
        {
            lock (Gate)
            {
                var entries = Read();
                entries[Key(saved.Repo, saved.Branch)] = saved;
                SafeFile.WriteAllText(FilePath, JsonConvert.SerializeObject(entries, Formatting.Indented));
            }
        }

        private static string Key(string repo, string branch) => repo + " " + branch;

        private Dictionary<string, SavedBranch> Read()
        {
            try
            {
                if (!File.Exists(FilePath)) return new Dictionary<string, SavedBranch>(StringComparer.Ordinal);
                var read = JsonConvert.DeserializeObject<Dictionary<string, SavedBranch>>(File.ReadAllText(FilePath));
                return read == null ? new Dictionary<string, SavedBranch>(StringComparer.Ordinal) : new Dictionary<string, SavedBranch>(read, StringComparer.Ordinal);
            }
            catch (JsonException)
            {
                // An unreadable record verifies nothing: a restore then refuses every branch as unrecorded.
                return new Dictionary<string, SavedBranch>(StringComparer.Ordinal);
            }
        }
    }
}
