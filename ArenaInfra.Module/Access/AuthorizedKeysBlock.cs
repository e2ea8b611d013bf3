using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using ArenaInfra.Common;

namespace ArenaInfra.Access
{
    /// <summary>
    /// The module's block in a pod's authorized_keys: the organiser's key and the keys of the participants
    /// assigned to that machine, between two marker lines. Every marked block is replaced by one (never a
    /// second), and every line outside them is kept as it was, RunPod's own PUBLIC_KEY line among them;
    /// keys there that are not the block's are reported, not removed.
    /// </summary>
    internal static class AuthorizedKeysBlock
    {
        public const string Begin = "# >>> ArenaInfra access: written by Sync-ArenaPodAccess, replaced at every sync >>>";
        public const string End = "# <<< ArenaInfra access <<<";
        public const string OrganiserId = "organiser";

        private static readonly Regex Named = new Regex(@"\sarena:([a-z0-9-]+)\s*$", RegexOptions.CultureInvariant);

        /// <summary>What a sync makes of a pod's authorized_keys.</summary>
        public sealed class Outcome
        {
            public Outcome(string text, bool changed, string[] added, string[] removed, string[] unmanaged)
            {
                Text = text;
                Changed = changed;
                Added = added;
                Removed = removed;
                Unmanaged = unmanaged;
            }

            /// <summary>The file to write: every marked block gone, one block with exactly the keys.</summary>
            public string Text { get; }
            /// <summary>False only when the file is already exactly Text.</summary>
            public bool Changed { get; }
            public string[] Added { get; }
            public string[] Removed { get; }
            /// <summary>Keys outside the block that are none of the block's, described by type, fingerprint and comment.</summary>
            public string[] Unmanaged { get; }
        }

        /// <summary>
        /// The file with one block holding exactly these keys (id, authorized_keys line). Every marked block
        /// goes, not only the first: a participant with root could plant an empty pair of markers above the
        /// real block, and a sync that replaced only the first would leave their key in the second. The new
        /// block takes the place of the first. Stray markers go too; every other line stays as it was.
        /// </summary>
        public static Outcome Apply(string existing, IReadOnlyList<(string Id, string Line)> keys)
        {
            var normalized = existing.Replace("\r\n", "\n");
            var lines = normalized.Split('\n').ToList();
            if (lines.Count > 0 && lines[lines.Count - 1].Length == 0) lines.RemoveAt(lines.Count - 1);
            var kept = new List<string>();
            var before = new Dictionary<string, string>(StringComparer.Ordinal);
            var insertAt = -1;
            for (var i = 0; i < lines.Count; i++)
            {
                var trimmed = lines[i].Trim();
                if (trimmed == Begin)
                {
                    if (insertAt < 0) insertAt = kept.Count;
                    var end = lines.FindIndex(i + 1, l => l.Trim() == End);
                    if (end < 0) continue; // a begin marker without an end: only the marker goes
                    foreach (var line in lines.Skip(i + 1).Take(end - i - 1))
                    {
                        var match = Named.Match(line);
                        if (match.Success && !before.ContainsKey(match.Groups[1].Value)) before[match.Groups[1].Value] = line.Trim();
                    }
                    i = end;
                    continue;
                }
                if (trimmed == End)
                {
                    if (insertAt < 0) insertAt = kept.Count;
                    continue;
                }
                kept.Add(lines[i]);
            }
            var block = new List<string> { Begin };
            block.AddRange(keys.Select(k => k.Line.Trim()));
            block.Add(End);
            kept.InsertRange(insertAt < 0 ? kept.Count : insertAt, block);
            var text = string.Join("\n", kept) + "\n";

            var added = keys.Where(k => !before.TryGetValue(k.Id, out var old) || old != k.Line.Trim()).Select(k => k.Id).ToArray();
            var removed = before.Keys.Where(id => keys.All(k => k.Id != id)).OrderBy(id => id, StringComparer.Ordinal).ToArray();
            var ours = new HashSet<string>(keys.Select(k => KeyOf(k.Line)?.Blob).Where(b => b != null)!, StringComparer.Ordinal);
            var unmanaged = kept.Where(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith("#", StringComparison.Ordinal))
                .Where(l => !(KeyOf(l) is { } key && ours.Contains(key.Blob)))
                .Select(Describe).ToArray();
            return new Outcome(text, text != normalized, added, removed, unmanaged);
        }

        private static readonly Regex KeyType = new Regex("^(ssh-[a-z0-9-]+|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9@.-]+)$", RegexOptions.CultureInvariant);

        /// <summary>The key in an authorized_keys line (after any options): its type, base64 blob and comment.</summary>
        private static (string Type, string Blob, string Comment)? KeyOf(string line)
        {
            var parts = line.Trim().Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
            for (var i = 0; i + 1 < parts.Length; i++)
            {
                if (KeyType.IsMatch(parts[i]) && Regex.IsMatch(parts[i + 1], "^[A-Za-z0-9+/]+={0,2}$")) return (parts[i], parts[i + 1], string.Join(" ", parts.Skip(i + 2)));
            }
            return null;
        }

        /// <summary>A key as ssh-keygen -l names it: type, SHA256 fingerprint, comment (terminal-safe: the pod wrote it).</summary>
        private static string Describe(string line)
        {
            var key = KeyOf(line);
            if (key == null) return "a line that is not a key: " + UntrustedValue.Printable(line.Trim());
            string fingerprint;
            try
            {
                using var sha = System.Security.Cryptography.SHA256.Create();
                fingerprint = "SHA256:" + Convert.ToBase64String(sha.ComputeHash(Convert.FromBase64String(key.Value.Blob))).TrimEnd('=');
            }
            catch (FormatException)
            {
                fingerprint = "(not base64)";
            }
            var comment = key.Value.Comment.Length > 0 ? " " + key.Value.Comment : "";
            return UntrustedValue.Printable($"{key.Value.Type} {fingerprint}{comment}");
        }

        /// <summary>An authorized_keys line for a key, named for the block: its type and key, then "arena:&lt;id&gt;".</summary>
        public static string Line(string publicKey, string id)
        {
            var parts = publicKey.Trim().Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2 || !Regex.IsMatch(parts[1], "^[A-Za-z0-9+/=]+$")) throw new ArgumentException($"'{UntrustedValue.Printable(publicKey)}' is not an OpenSSH public key.");
            return $"{parts[0]} {parts[1]} arena:{id}";
        }
    }
}
