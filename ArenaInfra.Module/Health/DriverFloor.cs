using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;

namespace ArenaInfra.Health
{
    /// <summary>
    /// The lowest NVIDIA driver a pod may run: MIN_DRIVER_VERSION when set, else what the CUDA version
    /// the image needs asks of the driver (NVIDIA's table of minimum drivers per CUDA release). An image
    /// built for CUDA 13 on a 535 driver imports torch fine and fails at the first kernel.
    /// </summary>
    internal static class DriverFloor
    {
        // CUDA major.minor -> the driver's major version that first supports it (Linux, NVIDIA's release notes).
        private static readonly (int Major, int Minor, int Driver)[] Table =
        {
            (11, 8, 520), (12, 0, 525), (12, 1, 530), (12, 2, 535), (12, 3, 545), (12, 4, 550),
            (12, 5, 555), (12, 6, 560), (12, 8, 570), (12, 9, 575), (13, 0, 580),
        };

        private static readonly Regex VersionPattern = new Regex(@"^\d{1,4}(\.\d{1,4}){0,3}$", RegexOptions.CultureInvariant);

        /// <summary>The driver a CUDA version needs (an unlisted minor takes the release below it); null for one this table does not know.</summary>
        public static Version? ForCuda(string? cuda)
        {
            var version = Parse(cuda);
            if (version == null) return null;
            var minor = Math.Max(0, version.Minor);
            if (version.Major < 11 || version.Major > 13) return null;
            // CUDA 11 runs on any 450.80+ driver (minor version compatibility); 11.8 is listed for its own features.
            if (version.Major == 11) return minor >= 8 ? new Version(520, 0) : new Version(450, 80);
            var floor = Table.Where(t => t.Major == version.Major && t.Minor <= minor).Select(t => t.Driver).DefaultIfEmpty(0).Max();
            return floor == 0 ? null : new Version(floor, 0);
        }

        /// <summary>
        /// The floor from the config: MIN_DRIVER_VERSION, else the lowest of what ALLOWED_CUDA_VERSIONS
        /// need (a pod on any of them is acceptable), else null: then the image's own CUDA decides.
        /// </summary>
        public static Version? FromConfig(string? minDriverVersion, string? allowedCudaVersions)
        {
            var given = Parse(minDriverVersion);
            if (given != null) return given;
            var floors = (allowedCudaVersions ?? "").Split(new[] { ',', ' ', ';' }, StringSplitOptions.RemoveEmptyEntries)
                .Select(ForCuda).Where(v => v != null).Select(v => v!).ToList();
            return floors.Count == 0 ? null : floors.Min();
        }

        /// <summary>A dotted driver or CUDA version (570.86.10, 12.8); null for anything else.</summary>
        public static Version? Parse(string? text)
        {
            if (text == null) return null;
            text = text.Trim();
            if (!VersionPattern.IsMatch(text)) return null;
            var parts = text.Split('.').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToList();
            while (parts.Count < 2) parts.Add(0);
            return parts.Count switch
            {
                2 => new Version(parts[0], parts[1]),
                3 => new Version(parts[0], parts[1], parts[2]),
                _ => new Version(parts[0], parts[1], parts[2], parts[3]),
            };
        }

        public static string Show(Version version) => version.Build < 0 && version.Minor == 0 ? version.Major.ToString(CultureInfo.InvariantCulture) : version.ToString();

        internal static IReadOnlyList<(int Major, int Minor, int Driver)> Known => Table;
    }
}
