using System.IO;
using System.Management.Automation;
using System.Text;

namespace ArenaInfra.Common.IO
{
    /// <summary>Writing a generated file with -Path: atomically, owner-only, never over someone else's file without -Force.</summary>
    internal static class OutputFile
    {
        /// <summary>Writes text to path; false when the file already held exactly that text.</summary>
        public static bool Write(string path, string text, bool force)
        {
            if (File.Exists(path))
            {
                var current = File.ReadAllText(path);
                if (current == text) return false;
                if (!force)
                {
                    throw new ArenaException(ArenaErrorIds.OutputFileExists, ErrorCategory.ResourceExists,
                        $"'{path}' exists and holds something else; it was not overwritten.",
                        "Add -Force to replace it, or choose another -Path.", target: path);
                }
            }
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
            SafeFile.WriteAllText(path, text);
            return true;
        }
    }
}
