using System.Threading;
using System.Threading.Tasks;

namespace ArenaInfra.Deploy
{
    /// <summary>
    /// What a pod's way to READY does on the pod itself: wait for its SSH, then each SSH stage. A stage
    /// the run does not ask for (Access outside roster mode, Secrets without -Secrets) answers null.
    /// SshDeploySteps is the real one; tests of the planning put their own in its place.
    /// </summary>
    internal interface IDeploySteps
    {
        /// <summary>The pod once its SSH port answers; an ArenaException when it will not.</summary>
        Task<ArenaPod> WaitReadyAsync(ArenaPod pod, CancellationToken token);

        Task<ArenaPodOperationResult> SetUpAsync(ArenaPod pod, CancellationToken token);

        Task<ArenaPodOperationResult?> AccessAsync(ArenaPod pod, CancellationToken token);

        Task<ArenaPodOperationResult?> SecretsAsync(ArenaPod pod, CancellationToken token);

        Task<ArenaPodTestResult> CheckAsync(ArenaPod pod, CancellationToken token);
    }
}
