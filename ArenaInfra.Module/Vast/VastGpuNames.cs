using System;
using System.Collections.Generic;

namespace ArenaInfra.Vast
{
    /// <summary>
    /// RunPod's GPU type ids (what RUNPOD_GPU_TYPE and New-ArenaPod -GpuType take) as Vast.ai names the
    /// same GPU in an offer's gpu_name. Most are RunPod's id without the vendor words ("NVIDIA RTX
    /// A4000" is "RTX A4000", "NVIDIA GeForce RTX 4090" is "RTX 4090"); the table holds those Vast spells
    /// otherwise. An offer is rented only when its gpu_name is exactly the name asked for.
    /// </summary>
    internal static class VastGpuNames
    {
        private static readonly Dictionary<string, string> Differently = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["NVIDIA RTX 4000 Ada Generation"] = "RTX 4000Ada",
            ["NVIDIA RTX 5000 Ada Generation"] = "RTX 5000Ada",
            ["NVIDIA RTX 6000 Ada Generation"] = "RTX 6000Ada",
            ["NVIDIA RTX 2000 Ada Generation"] = "RTX 2000Ada",
            ["NVIDIA A100 80GB PCIe"] = "A100 PCIE",
            ["NVIDIA A100-SXM4-80GB"] = "A100 SXM4",
            ["NVIDIA H100 PCIe"] = "H100 PCIE",
            ["NVIDIA H100 80GB HBM3"] = "H100 SXM",
            ["NVIDIA H100 NVL"] = "H100 NVL",
            ["Tesla V100-PCIE-16GB"] = "Tesla V100",
            ["Tesla V100-SXM2-16GB"] = "Tesla V100",
        };

        /// <summary>Vast's gpu_name for a RunPod GPU type id (a name already in Vast's spelling is kept).</summary>
        public static string ToVast(string runPodGpuTypeId)
        {
            var id = runPodGpuTypeId.Trim();
            if (Differently.TryGetValue(id, out var named)) return named;
            foreach (var vendor in new[] { "NVIDIA ", "GeForce ", "AMD " })
            {
                if (id.StartsWith(vendor, StringComparison.OrdinalIgnoreCase)) id = id.Substring(vendor.Length);
            }
            return id;
        }
    }
}
