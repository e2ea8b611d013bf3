using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace ArenaInfra.Teardown
{
    /// <summary>What the organiser's machine still holds: participants' keys in the data folder and the stored RunPod API key.</summary>
    internal static class LocalLeftovers
    {
        /// <summary>The most key files listed one by one; more are summed up in one line.</summary>
        internal const int MaxListed = 200;

        public static IReadOnlyList<ArenaTeardownCheck> ParticipantKeys(string folder)
        {
            const ArenaTeardownKind kind = ArenaTeardownKind.ParticipantKey;
            string[] files;
            try
            {
                if (!Directory.Exists(folder)) return new[] { new ArenaTeardownCheck(kind, folder, ArenaTeardownState.Clear, "the participant key folder does not exist") };
                files = Directory.GetFiles(folder, "*", SearchOption.AllDirectories);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return new[] { new ArenaTeardownCheck(kind, folder, ArenaTeardownState.Unknown, $"the folder could not be read: {e.Message}", $"Get-ChildItem -LiteralPath {Quote(folder)} -Recurse") };
            }
            if (files.Length == 0) return new[] { new ArenaTeardownCheck(kind, folder, ArenaTeardownState.Clear, "the participant key folder is empty") };
            var found = files.OrderBy(f => f, StringComparer.Ordinal).Take(MaxListed)
                .Select(f => new ArenaTeardownCheck(kind, f, ArenaTeardownState.Left, "a participant's key is still on this machine", $"Remove-Item -LiteralPath {Quote(f)}"))
                .ToList();
            if (files.Length > MaxListed)
            {
                found.Add(new ArenaTeardownCheck(kind, folder, ArenaTeardownState.Left, $"{files.Length - MaxListed} more files", $"Remove-Item -LiteralPath {Quote(folder)} -Recurse"));
            }
            return found;
        }

        public static ArenaTeardownCheck StoredKey(string path)
        {
            const ArenaTeardownKind kind = ArenaTeardownKind.StoredApiKey;
            try
            {
                return File.Exists(path) || Directory.Exists(path)
                    ? new ArenaTeardownCheck(kind, path, ArenaTeardownState.Left, "the RunPod API key is still stored on this machine", "Set-ArenaApiKey -Clear")
                    : new ArenaTeardownCheck(kind, path, ArenaTeardownState.Clear, "no RunPod API key is stored");
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return new ArenaTeardownCheck(kind, path, ArenaTeardownState.Unknown, $"could not tell: {e.Message}", "Set-ArenaApiKey -Clear");
            }
        }

        /// <summary>A PowerShell single-quoted string.</summary>
        internal static string Quote(string text) => "'" + text.Replace("'", "''") + "'";
    }
}
