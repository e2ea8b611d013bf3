using System;
using System.Collections.Generic;
using System.Linq;

namespace ArenaInfra.Pods
{
    /// <summary>The names from the last pod listing, for tab completion: completing never calls RunPod.</summary>
    internal static class PodNameCache
    {
        private static readonly object Gate = new object();
        private static string[] _names = Array.Empty<string>();
        private static DateTime _at;

        public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(10);

        public static void Remember(IEnumerable<ArenaPod> pods)
        {
            var names = pods.Where(p => p.Status != ArenaPodStatus.Terminated).Select(p => p.Name).Distinct().ToArray();
            lock (Gate)
            {
                _names = names;
                _at = DateTime.UtcNow;
            }
        }

        public static IReadOnlyList<string> Recent() => TryRecent(out var names) ? names : Array.Empty<string>();

        /// <summary>False when no listing is recent: then nobody knows which pods exist, which an empty list would claim.</summary>
        public static bool TryRecent(out IReadOnlyList<string> names)
        {
            lock (Gate)
            {
                var recent = _at != default && DateTime.UtcNow - _at < MaxAge;
                names = recent ? _names : Array.Empty<string>();
                return recent;
            }
        }
    }
}
