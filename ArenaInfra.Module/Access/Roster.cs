using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using ArenaInfra.Common;
using ArenaInfra.Config;

namespace ArenaInfra.Access
{
    /// <summary>
    /// The roster: a CSV of 'participant,email,machine' rows (header first). A bad row is reported with
    /// its line and skipped, never guessed at; a machine that is not in MachineNames is a warning (a pod
    /// outside the list is allowed, but a typo should be seen).
    /// </summary>
    internal static class Roster
    {
        private static readonly Regex HostLabel = new Regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", RegexOptions.CultureInvariant);

        /// <summary>
        /// A whole address: one '@' between a non-empty local part and a domain with a dot, nothing blank
        /// or invisible. Not RFC 5322: enough to catch a half-typed cell before a kit goes to nobody.
        /// </summary>
        private static readonly Regex Email = new Regex(@"^[^@\s\p{C}]+@[^@\s\p{C}.]+(\.[^@\s\p{C}.]+)+$", RegexOptions.CultureInvariant);

        /// <summary>
        /// Ids the module uses itself: the organiser's line in every pod's block (arena:organiser), and its
        /// other spelling, which a reader would take for the same. A participant named so would get the
        /// organiser's key comment, so such a row is refused.
        /// </summary>
        public static readonly IReadOnlyCollection<string> ReservedIds = new[] { AuthorizedKeysBlock.OrganiserId, "organizer" };

        public static List<ArenaParticipant> Read(string path, IReadOnlyCollection<string> machineNames, IList<string> warnings)
        {
            if (!File.Exists(path))
            {
                throw new ArenaException(ArenaErrorIds.CsvFileNotFound, System.Management.Automation.ErrorCategory.ObjectNotFound,
                    $"The roster '{path}' does not exist.", "Check RosterPath (ARENA_ROSTER) in the config, or give -Path.", target: path);
            }
            var participants = new List<ArenaParticipant>();
            var lines = InputFile.ReadText(path, "The roster").Replace("\r\n", "\n").Split('\n');
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i].Trim();
                if (i == 0 && line.Length > 0 && line[0] == '\uFEFF') line = line.Substring(1);
                if (line.Length == 0 || line.StartsWith("#", StringComparison.Ordinal)) continue;
                var fields = CsvLine.Split(line);
                if (fields == null || fields.Count != 3)
                {
                    warnings.Add($"{path} line {i + 1}: expected 'participant,email,machine' (three fields); the row is skipped.");
                    continue;
                }
                if (participants.Count == 0 && seen.Count == 0 && string.Equals(fields[0], "participant", StringComparison.OrdinalIgnoreCase)) continue; // the header
                var name = fields[0];
                var machine = fields[2].ToLowerInvariant();
                var id = IdOf(name);
                string? problem =
                    name.Length == 0 ? "the participant is empty"
                    : name.Any(char.IsControl) ? "the participant's name holds a control character"
                    : id.Length == 0 ? $"'{UntrustedValue.Printable(name)}' has no letter or digit to name their key by"
                    : ReservedIds.Contains(id) ? $"'{UntrustedValue.Printable(name)}' would be named {id}, which the module keeps for the organiser's own key; write the participant's full name"
                    : !HostLabel.IsMatch(machine) ? $"the machine '{UntrustedValue.Printable(fields[2])}' cannot be a host name"
                    : fields[1].Length > 0 && !Email.IsMatch(fields[1]) ? $"'{UntrustedValue.Printable(fields[1])}' is not an email address"
                    : seen.TryGetValue(id, out var first) ? $"'{UntrustedValue.Printable(name)}' is named {id}, as line {first} is already" : null;
                if (problem != null)
                {
                    warnings.Add($"{path} line {i + 1}: {problem}; the row is skipped.");
                    continue;
                }
                if (!machineNames.Contains(machine)) warnings.Add($"{path} line {i + 1}: the machine '{machine}' is not in MachineNames; {name} is kept, but check the spelling.");
                seen[id] = i + 1;
                participants.Add(new ArenaParticipant { Participant = name, Id = id, Email = fields[1].Length == 0 ? null : fields[1], Machine = machine, Line = i + 1 });
            }
            return participants;
        }

        /// <summary>"Ada Lovelace" as "ada-lovelace": lower-case letters, digits and single dashes, for file names and key comments.</summary>
        public static string IdOf(string name)
        {
            var id = Regex.Replace(name.ToLowerInvariant(), "[^a-z0-9]+", "-").Trim('-');
            return id.Length <= 48 ? id : id.Substring(0, 48).TrimEnd('-');
        }
    }
}
