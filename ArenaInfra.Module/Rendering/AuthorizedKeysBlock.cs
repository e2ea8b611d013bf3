using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace ArenaInfra.Rendering
{
    /// <summary>
    /// The module's block in a pod's authorized_keys: the organiser's key and the keys of the participants
    /// assigned to that machine, between two marker lines. The block is replaced whole (never a second
    /// one), and every line outside it is kept as it was, RunPod's own PUBLIC_KEY line among them.
    /// </summary>
    internal static class AuthorizedKeysBlock
    {
        public const string Begin = "# >>> ArenaInfra access: written by Sync-ArenaPodAccess, replaced at every sync >>>";
        public const string End = "# <<< ArenaInfra access <<<";
        public const string OrganiserId = "organiser";

        private static readonly Regex Named = new Regex(@"\sarena:([a-z0-9-]+)\s*$", RegexOptions.CultureInvariant);

        /// <summary>The file with the block holding exactly these keys (id, authorized_keys line), and who was added and removed.</summary>
        public static (string Text, string[] Added, string[] Removed) Apply(string existing, IReadOnlyList<(string Id, string Line)> keys)
        {
            var lines = existing.Replace("\r\n", "\n").Split('\n').ToList();
            if (lines.Count > 0 && lines[lines.Count - 1].Length == 0) lines.RemoveAt(lines.Count - 1);
            var start = lines.IndexOf(Begin);
            var end = start < 0 ? -1 : lines.IndexOf(End, start);
            var before = new Dictionary<string, string>(StringComparer.Ordinal);
            if (start >= 0 && end > start)
            {
                foreach (var line in lines.Skip(start + 1).Take(end - start - 1))
                {
                    var match = Named.Match(line);
                    if (match.Success) before[match.Groups[1].Value] = line.Trim();
                }
                lines.RemoveRange(start, end - start + 1);
            }
            else
            {
                start = lines.Count;
            }
            var block = new List<string> { Begin };
            block.AddRange(keys.Select(k => k.Line.Trim()));
            block.Add(End);
            lines.InsertRange(Math.Min(start, lines.Count), block);
            var added = keys.Where(k => !before.TryGetValue(k.Id, out var old) || old != k.Line.Trim()).Select(k => k.Id).ToArray();
            var removed = before.Keys.Where(id => keys.All(k => k.Id != id)).OrderBy(id => id, StringComparer.Ordinal).ToArray();
            return (string.Join("\n", lines) + "\n", added, removed);
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
