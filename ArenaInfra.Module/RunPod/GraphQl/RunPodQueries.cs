namespace ArenaInfra.RunPod.GraphQl
{
    /// <summary>
    /// The GraphQL documents we send. Only fields that exist in RunPod's schema; every value travels
    /// as a variable, never pasted into the text.
    /// </summary>
    internal static class RunPodQueries
    {
        private const string PodFields = @"
fragment PodFields on Pod {
  id name desiredStatus imageName gpuCount costPerHr containerDiskInGb volumeInGb volumeMountPath
  machineId ports env lastStatusChange
  machine { gpuDisplayName location }
  runtime { uptimeInSeconds ports { ip isIpPublic privatePort publicPort type } }
}";

        public const string ListPodsName = "ListPods";
        public const string ListPods = "query ListPods { myself { pods { ...PodFields } } }" + PodFields;

        public const string CreatePodName = "CreatePod";
        public const string CreatePod = "mutation CreatePod($input: PodFindAndDeployOnDemandInput!) { podFindAndDeployOnDemand(input: $input) { ...PodFields } }" + PodFields;

        public const string StopPodName = "StopPod";
        // RunPod's own clients name no input type for these: the podId goes inline, so a renamed type cannot break them.
        public const string StopPod = "mutation StopPod($podId: String!) { podStop(input: {podId: $podId}) { id desiredStatus } }";

        public const string ResumePodName = "ResumePod";
        public const string ResumePod = "mutation ResumePod($podId: String!, $gpuCount: Int!) { podResume(input: {podId: $podId, gpuCount: $gpuCount}) { ...PodFields } }" + PodFields;

        public const string TerminatePodName = "TerminatePod";
        public const string TerminatePod = "mutation TerminatePod($podId: String!) { podTerminate(input: {podId: $podId}) }";

        public const string GpuPriceName = "GpuPrice";
        public const string GpuPrice = "query GpuPrice($input: GpuTypeFilter) { gpuTypes(input: $input) { id displayName communityPrice securePrice } }";

        public const string AccountSshKeysName = "AccountSshKeys";
        public const string AccountSshKeys = "query AccountSshKeys { myself { pubKey } }";

        public const string GetPodName = "GetPod";
        public const string GetPod = "query GetPod($podId: String!) { pod(input: {podId: $podId}) { ...PodFields } }" + PodFields;
    }
}
