using ArenaInfra.Operations;

namespace ArenaInfra.Deploy
{
    /// <summary>The check every deployed pod must pass: one place, so the check a pod gets is the same everywhere in Deploy.</summary>
    internal static class DeployCheck
    {
        /// <summary>
        /// The check for one pod: -TestCommand when given, else the module's GPU check
        /// (torch, CUDA and a matmul on GPU 0).
        /// </summary>
        public static PodOperation<ArenaPodTestResult> For(ArenaConfig config, string? testCommand, System.TimeSpan timeout) =>
            new PodTestOperation(testCommand, config.CondaEnvName) { Timeout = timeout };
    }
}
