using System.Collections.Generic;

namespace ArenaInfra.RunPod
{
    /// <summary>Everything a create request carries for one pod.</summary>
    internal sealed class PodCreateSpec
    {
        public string Name { get; set; } = "";
        public string MachineName { get; set; } = "";
        public string ImageName { get; set; } = "";
        public string GpuTypeId { get; set; } = "";
        public int GpuCount { get; set; } = 1;
        public string CloudType { get; set; } = "COMMUNITY";
        public int ContainerDiskInGb { get; set; }
        public int VolumeInGb { get; set; }
        public string PublicKey { get; set; } = "";

        public const string Ports = "8888/http,22/tcp";
        public const string VolumeMountPath = "/workspace";

        public object ToVariables() => new
        {
            input = new
            {
                name = Name,
                imageName = ImageName,
                gpuTypeId = GpuTypeId,
                gpuCount = GpuCount,
                cloudType = CloudType,
                containerDiskInGb = ContainerDiskInGb,
                volumeInGb = VolumeInGb,
                volumeMountPath = VolumeMountPath,
                ports = Ports,
                startSsh = true,
                supportPublicIp = true,
                env = new List<object>
                {
                    new { key = "MACHINE_NAME", value = MachineName },
                    new { key = "PUBLIC_KEY", value = PublicKey },
                },
            },
        };
    }
}
