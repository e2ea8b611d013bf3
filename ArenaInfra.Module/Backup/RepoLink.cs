using System;
using ArenaInfra.Workspace;

namespace ArenaInfra.Backup
{
    /// <summary>
    /// The course repo as a backup and a restore see it once Initialize-ArenaPod moved it onto the volume:
    /// ~/&lt;repo&gt; a link to &lt;volume&gt;/&lt;repo&gt;. That one link is resolved, on the pod, in the command that
    /// lists the home, and only when it is exactly the module's own (its target the volume copy's path, the
    /// volume and the copy real folders, neither a link) is the copy listed, under &lt;repo&gt;/ as the home's
    /// checkout was, with the backup's one filter. Any other link is not followed, and the listing says so
    /// (a marker record find cannot print: its records start with a one-letter type), for the result's warning.
    /// </summary>
    internal sealed class RepoLink
    {
        /// <summary>The exit code of a command whose guard found the link no longer the module's own.</summary>
        public const int Changed = 94;

        public const string Marker = "ARENA-REPO ";

        private RepoLink(string name, string volume)
        {
            Name = name;
            Volume = volume;
        }

        public string Name { get; }
        /// <summary>The volume's path as RunPod reports it; empty when it has none (the sandbox's ARENA_VOLUME_PATH still counts).</summary>
        public string Volume { get; }

        /// <summary>The repo to look for on a pod, or null when its name is not one a shell word can hold as it is.</summary>
        public static RepoLink? For(ArenaPod pod, string repoName) =>
            RepoOnVolume.IsSafeRepoName(repoName) && !BackupFilter.LeavesOutFolder(repoName) ? new RepoLink(repoName, RepoOnVolume.VolumePath(pod) ?? "") : null;

        /// <summary>
        /// Sets ws and vol, and is true only when ~/&lt;repo&gt; is the module's link: a shell condition with no
        /// single quote (it runs inside sh -c '...'); the names are plain (RepoOnVolume's rule), so they
        /// need no quoting of their own.
        /// </summary>
        public string Condition =>
            $"{{ ws=\"${{{RepoOnVolume.VolumeVariable}:-}}\"; [ -n \"$ws\" ] || ws=\"{Volume}\"; vol=\"$ws/{Name}\"; "
            + $"[ -n \"$ws\" ] && [ -L \"$HOME/{Name}\" ] && [ \"$(readlink -- \"$HOME/{Name}\")\" = \"$vol\" ] "
            + "&& [ -d \"$ws\" ] && [ ! -L \"$ws\" ] && [ -d \"$vol\" ] && [ ! -L \"$vol\" ]; }";

        /// <summary>The volume copy listed as the home's checkout would be (run from the volume: find's %p is &lt;repo&gt;/...).</summary>
        public string Find(BackupFilter filter) => $"find \"{Name}\" {filter.FindExpressionBelow(1)} -o -printf \"%y %s %T@ %m %p\\0\"";

        /// <summary>
        /// What the listing adds after the home's find: when ~/&lt;repo&gt; is a link, a marker (included and
        /// where, or refused) and, when included, the copy's records; find's status joins the home's.
        /// </summary>
        public string Listing(BackupFilter filter) =>
            $"if [ -L \"$HOME/{Name}\" ]; then if {Condition} && cd -- \"$ws\"; then "
            + $"printf \"{Marker}included %s\\0\" \"$vol\"; {Find(filter)} || s=$?; "
            + $"else printf \"{Marker}refused\\0\"; fi; fi";

        /// <summary>The check alone, for a pod listed over SFTP (it has a shell, but no GNU tar or find -printf): a marker line.</summary>
        public string Check => $"sh -c 'if {Condition}; then printf \"{Marker}included %s\\n\" \"$vol\"; else printf \"{Marker}refused\\n\"; fi'";

        /// <summary>The volume copy's path when the check's output says the link is the module's own (one line of ours, a plain path); else null.</summary>
        public static string? ReadCheck(string stdout)
        {
            var lines = stdout.Split(new[] { '\n' }, StringSplitOptions.RemoveEmptyEntries);
            return lines.Length == 1 && TryRead(lines[0].TrimEnd('\r'), out var included, out var path) && included ? path : null;
        }

        /// <summary>The marker's word and path, when a record is one.</summary>
        public static bool TryRead(string record, out bool included, out string? path)
        {
            included = false;
            path = null;
            if (!record.StartsWith(Marker, StringComparison.Ordinal)) return false;
            var rest = record.Substring(Marker.Length);
            if (rest.StartsWith("included ", StringComparison.Ordinal))
            {
                path = rest.Substring("included ".Length);
                included = RepoOnVolume.IsPlainPath(path);
            }
            return true;
        }

        /// <summary>Why a backup lacks the course repo, for its warning.</summary>
        public string NotIncluded() =>
            $"~/{Name} is a link, but not the one Initialize-ArenaPod makes (to {(Volume.Length == 0 ? "<volume>" : Volume)}/{Name}, a real folder on the volume): "
            + "it was not followed, and the course repo's files are NOT in this backup";

        /// <summary>Whether a path of a listing is in the course repo (&lt;repo&gt;/...).</summary>
        public bool Holds(string path) => path.StartsWith(Name + "/", StringComparison.Ordinal);
    }
}
