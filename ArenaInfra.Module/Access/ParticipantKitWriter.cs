using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.Common.IO;

namespace ArenaInfra.Access
{
    /// <summary>
    /// Writes a participant kit folder (and its zip): every file owner-only and atomic, the shared key
    /// copied byte for byte, and nothing of an earlier kit replaced without force.
    /// </summary>
    internal static class ParticipantKitWriter
    {
        /// <summary>Writes the kit; returns the zip's path when one was made.</summary>
        public static string? Write(string folder, IReadOnlyDictionary<string, string> files, string keyName, string keySource, bool force, bool zip)
        {
            Directory.CreateDirectory(folder);
            foreach (var file in files)
            {
                OutputFile.Write(Path.Combine(folder, file.Key), file.Value.Replace("\r\n", "\n"), force);
            }
            var keyTarget = Path.Combine(folder, keyName);
            var keyBytes = File.ReadAllBytes(keySource);
            if (File.Exists(keyTarget) && !force && !File.ReadAllBytes(keyTarget).SequenceEqual(keyBytes))
            {
                throw new ArenaException(ArenaErrorIds.OutputFileExists, ErrorCategory.ResourceExists, $"'{keyTarget}' holds another key; it was not overwritten.", "Add -Force to replace the kit.");
            }
            SafeFile.WriteAllBytes(keyTarget, keyBytes);
            if (!zip) return null;
            var zipPath = folder.TrimEnd(Path.DirectorySeparatorChar) + ".zip";
            if (File.Exists(zipPath))
            {
                if (!force) throw new ArenaException(ArenaErrorIds.OutputFileExists, ErrorCategory.ResourceExists, $"'{zipPath}' exists; it was not overwritten.", "Add -Force to replace it.");
                File.Delete(zipPath);
            }
            ZipFile.CreateFromDirectory(folder, zipPath);
            SafeFile.OwnerOnly(zipPath);
            return zipPath;
        }
    }
}
