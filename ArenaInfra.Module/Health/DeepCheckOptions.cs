using System;
using ArenaInfra.Config;

namespace ArenaInfra.Health
{
    /// <summary>What one deep check is judged against: its budget, the driver floor, the thresholds of its warnings, and where python runs.</summary>
    internal sealed class DeepCheckOptions
    {
        public TimeSpan Budget { get; set; } = TimeSpan.FromSeconds(150);
        /// <summary>The lowest driver allowed; null: derived on each pod from the CUDA its torch was built for.</summary>
        public Version? DriverFloor { get; set; }
        /// <summary>Where the driver floor came from, for the reason of a failed driver check.</summary>
        public string DriverFloorSource { get; set; } = "";
        public string DownloadUrl { get; set; } = "https://huggingface.co/openai-community/gpt2/resolve/main/model.safetensors";
        public int DownloadBytes { get; set; } = 32 * 1024 * 1024;
        public double MinDownloadMBps { get; set; } = 2;
        public long MinFreeBytes { get; set; } = 10L * 1024 * 1024 * 1024;
        public string CondaEnv { get; set; } = "arena-env";

        public static DeepCheckOptions From(ArenaConfig config)
        {
            var floor = global::ArenaInfra.Health.DriverFloor.FromConfig(config.MinDriverVersion, config.AllowedCudaVersions);
            return new DeepCheckOptions
            {
                Budget = TimeSpan.FromSeconds(config.DeepCheckBudgetSec),
                DriverFloor = floor,
                DriverFloorSource = floor == null ? "" : global::ArenaInfra.Health.DriverFloor.Parse(config.MinDriverVersion) != null ? "MIN_DRIVER_VERSION" : $"ALLOWED_CUDA_VERSIONS {config.AllowedCudaVersions}",
                DownloadUrl = config.DeepCheckUrl,
                DownloadBytes = (int)Math.Min(int.MaxValue, config.DeepCheckDownloadMB * 1024L * 1024L),
                MinDownloadMBps = config.DeepCheckMinMBps,
                MinFreeBytes = config.DeepCheckMinFreeGB * 1024L * 1024L * 1024L,
                CondaEnv = config.CondaEnvName,
            };
        }
    }
}
