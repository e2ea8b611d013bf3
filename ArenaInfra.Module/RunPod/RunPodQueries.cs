namespace ArenaInfra.RunPod
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

        public const string GetPodName = "GetPod";
        public const string GetPod = "query GetPod($input: PodFilter!) { pod(input: $input) { ...PodFields } }" + PodFields;
    }
}
