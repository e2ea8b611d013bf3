using System.Collections.Generic;
using ArenaInfra.Pods.Create;

namespace ArenaInfra.RunPod
{
    /// <summary>Everything a create request carries for one pod.</summary>
    internal sealed class PodCreateSpec
    {
        /// <summary>Who is asked to make the pod (RunPod unless New-ArenaPod -Provider says otherwise).</summary>
        public ArenaProvider Provider { get; set; } = ArenaProvider.RunPod;
        public string Name { get; set; } = "";
        public string MachineName { get; set; } = "";
        public string ImageName { get; set; } = "";
        public string GpuTypeId { get; set; } = "";
        public int GpuCount { get; set; } = 1;
        public string CloudType { get; set; } = "COMMUNITY";
        public int ContainerDiskInGb { get; set; }
        public int VolumeInGb { get; set; }
        public string PublicKey { get; set; } = "";

        /// <summary>-MaxCostPerHour, for a provider whose prices its own search finds (Vast.ai): no machine dearer than this an hour.</summary>
        public decimal? MaxPricePerHour { get; set; }

        public const string Ports = "8888/http,22/tcp";

        /// <summary>The same pod on another GPU type and cloud.</summary>
        public PodCreateSpec For(PodCandidate candidate)
        {
            var copy = (PodCreateSpec)MemberwiseClone();
            copy.GpuTypeId = candidate.GpuTypeId;
            copy.CloudType = candidate.Cloud;
            return copy;
        }
        public const string VolumeMountPath = "/workspace";

        /// <summary>REST v2's CreatePodRequest, with exactly the fields its document names (v2 answers any other with 422).</summary>
        public Dictionary<string, object> ToV2Body(string cloud)
        {
            var body = new Dictionary<string, object>
            {
                ["name"] = Name,
                ["image"] = ImageName,
                ["gpu"] = new Dictionary<string, object> { ["id"] = GpuTypeId, ["count"] = GpuCount },
                // Always sent: v2 would choose SECURE, and the old scripts' fleets run on COMMUNITY.
                ["cloud"] = cloud,
                ["disk"] = ContainerDiskInGb,
                ["ports"] = Ports.Split(','),
                ["env"] = new Dictionary<string, string> { ["MACHINE_NAME"] = MachineName, ["PUBLIC_KEY"] = PublicKey },
            };
            // No volume is no mounts at all: v2's smallest persistent volume is 10 GB.
            if (VolumeInGb > 0) body["mounts"] = new Dictionary<string, object> { ["persistent"] = new Dictionary<string, object> { ["size"] = VolumeInGb, ["path"] = VolumeMountPath } };
            return body;
        }

        /// <summary>GraphQL's PodFindAndDeployOnDemandInput.</summary>
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
