using System;
using System.Collections.Generic;

namespace ArenaInfra.Backup
{
    /// <summary>
    /// What a backup keeps of a home, written once for every way a home is looked at (the pod's find,
    /// an SFTP walk, the backup folder's walk for a restore): a folder whose name starts with '.' or
    /// is site-packages is never entered (caches, tool state and installed packages, which a pod
    /// remakes; a hidden file is kept, and so is a link whatever its name), folders are kept no
    /// deeper than MaxDepth, and files no larger than MaxFileBytes. A listing goes one level past
    /// MaxDepth so that a folder too deep is seen and named rather than left out silently.
    /// </summary>
    internal sealed class BackupFilter
    {
        public const string SitePackages = "site-packages";

        /// <summary>maxFileBytes: a restore sends back whatever the backup holds, so it has no bound there.</summary>
        public BackupFilter(int maxDepth, long maxFileBytes = long.MaxValue)
        {
            MaxDepth = maxDepth;
            MaxFileBytes = maxFileBytes;
        }

        public int MaxDepth { get; }
        public long MaxFileBytes { get; }

        /// <summary>How deep a listing goes, counted in names from the home (find's -maxdepth).</summary>
        public int ListingDepth => MaxDepth + 1;

        /// <summary>A folder (a real one, not a link to one) that is never entered, listed or kept.</summary>
        public static bool LeavesOutFolder(string name) =>
            name.StartsWith(".", StringComparison.Ordinal) || string.Equals(name, SitePackages, StringComparison.Ordinal);

        /// <summary>
        /// The same rule as LeavesOutFolder, for the pod's find (a shell word list, in the single-quoted
        /// script of HomeListing): "-name" takes a pattern, and ".*" is every name with a leading dot.
        /// </summary>
        public string FindExpression =>
            $"-mindepth 1 -maxdepth {ListingDepth} \\( -type d \\( -name \".*\" -o -name {SitePackages} \\) -prune \\)";

        /// <summary>
        /// The same rule for a folder that stands at depth names below the home (the course repo on the
        /// volume, listed from the volume as &lt;repo&gt;/...): the folder itself, and no deeper than the home's listing goes.
        /// </summary>
        public string FindExpressionBelow(int depth) =>
            $"-mindepth 0 -maxdepth {ListingDepth - depth} \\( -type d \\( -name \".*\" -o -name {SitePackages} \\) -prune \\)";

        /// <summary>A folder with this many names from the home is deeper than the backup keeps.</summary>
        public bool IsTooDeep(int depth) => depth > MaxDepth;

        public string TooDeepReason => $"the folder is nested deeper than {MaxDepth} levels";

        public bool IsTooBig(long size) => size > MaxFileBytes;

        public string TooBigReason => $"larger than {MaxFileBytes / (1024 * 1024)} MB";

        /// <summary>
        /// Whether a listing of the home holds a path ('/'-separated, relative; isFolder for a real
        /// folder): none of the folders above it is left out, it is not a folder left out itself, and it
        /// is no deeper than ListingDepth. The listings apply the rule as they walk; this is the rule
        /// for a whole path at once.
        /// </summary>
        public bool Lists(IReadOnlyList<string> parts, bool isFolder)
        {
            if (parts.Count == 0 || parts.Count > ListingDepth) return false;
            for (var i = 0; i < parts.Count - 1; i++)
            {
                if (LeavesOutFolder(parts[i])) return false;
            }
            return !isFolder || !LeavesOutFolder(parts[parts.Count - 1]);
        }
    }
}
