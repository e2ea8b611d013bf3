using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Text;
using ArenaInfra.Common.IO;

namespace ArenaInfra.Access
{
    /// <summary>
    /// Writes a built participant kit: its folder (and its zip), every file owner-only and atomic, the
    /// key byte for byte, and nothing of an earlier kit replaced without force. Each file is written
    /// once and only when it changes; the zip is made from the same build, not read back from the folder.
    /// </summary>
    internal static class ParticipantKitWriter
    {
        /// <summary>Regular file, read and write for the owner only (0100600), as a zip's Unix attributes.</summary>
        private const int OwnerOnlyFile = unchecked((int)0x81800000);

        /// <summary>Writes the kit; returns the zip's path when one was made.</summary>
        public static string? Write(BuiltParticipantKit kit, bool force, bool zip)
        {
            Directory.CreateDirectory(kit.Folder);
            foreach (var file in kit.Texts)
            {
                OutputFile.Write(Path.Combine(kit.Folder, file.Key), file.Value, force);
            }
            var keyTarget = Path.Combine(kit.Folder, kit.KeyName);
            if (!File.Exists(keyTarget))
            {
                SafeFile.WriteAllBytes(keyTarget, kit.Key);
            }
            else if (!File.ReadAllBytes(keyTarget).SequenceEqual(kit.Key))
            {
                if (!force) throw new ArenaException(ArenaErrorIds.OutputFileExists, ErrorCategory.ResourceExists, $"'{keyTarget}' holds another key; it was not overwritten.", "Add -Force to replace the kit.");
                SafeFile.WriteAllBytes(keyTarget, kit.Key);
            }
            else
            {
                // The same key: nothing to write, but it stays the owner's alone.
                SafeFile.OwnerOnly(keyTarget);
            }
            if (!zip) return null;
            var zipPath = kit.Folder.TrimEnd(Path.DirectorySeparatorChar) + ".zip";
            if (File.Exists(zipPath) && !force)
            {
                throw new ArenaException(ArenaErrorIds.OutputFileExists, ErrorCategory.ResourceExists, $"'{zipPath}' exists; it was not overwritten.", "Add -Force to replace it.");
            }
            SafeFile.WriteAllBytes(zipPath, Zip(kit));
            return zipPath;
        }

        /// <summary>The kit as a zip, in memory: its text files, then its key.</summary>
        public static byte[] Zip(BuiltParticipantKit kit)
        {
            using var buffer = new MemoryStream();
            using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
            {
                foreach (var file in kit.Texts) Add(archive, file.Key, new UTF8Encoding(false).GetBytes(file.Value));
                Add(archive, kit.KeyName, kit.Key);
            }
            return buffer.ToArray();
        }

        private static void Add(ZipArchive archive, string name, byte[] content)
        {
            var entry = archive.CreateEntry(name, CompressionLevel.Optimal);
            // As unzip on macOS and Linux should make them: owner-only (the property is missing on .NET Framework).
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) typeof(ZipArchiveEntry).GetProperty("ExternalAttributes")?.SetValue(entry, OwnerOnlyFile);
            using var stream = entry.Open();
            stream.Write(content, 0, content.Length);
        }
    }
}
