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

        public static IReadOnlyList<string> Recent()
        {
            lock (Gate) return DateTime.UtcNow - _at < MaxAge ? _names : Array.Empty<string>();
        }
    }
}
