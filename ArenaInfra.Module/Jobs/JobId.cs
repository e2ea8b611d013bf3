using System;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace ArenaInfra.Jobs
{
    /// <summary>
    /// A job's id: the UTC start time and 32 random bits, one strict shape. Only an id of this shape ever
    /// goes into a shell command or a path on the pod, whoever named it.
    /// </summary>
    internal static class JobId
    {
        private static readonly Regex Shape = new Regex(@"^[0-9]{8}T[0-9]{6}-[0-9a-f]{8}\z", RegexOptions.CultureInvariant);

        /// <summary>The same shape as a shell glob, for the pod to skip any other folder name.</summary>
        public const string Glob = "[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]";

        public static string New(DateTime utcNow)
        {
            var random = new byte[4];
            using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(random);
            return utcNow.ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture) + "-" + BitConverter.ToString(random).Replace("-", "").ToLowerInvariant();
        }

        public static bool IsValid(string? id) => id != null && Shape.IsMatch(id);
    }
}
