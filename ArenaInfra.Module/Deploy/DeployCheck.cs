using ArenaInfra.Health;
using ArenaInfra.Operations;

namespace ArenaInfra.Deploy
{
    /// <summary>The check every deployed pod must pass: one place, so the check a pod gets is the same everywhere in Deploy.</summary>
    internal static class DeployCheck
    {
        /// <summary>
        /// The check for one pod: -TestCommand when given (its own timeout), else the deep check within
        /// its budget (DeepCheckBudgetSec), whose verdict Get-ArenaPod then shows.
        /// </summary>
        public static PodOperation<ArenaPodTestResult> For(ArenaConfig config, string? testCommand, System.TimeSpan timeout) =>
            testCommand != null
                ? new PodTestOperation(testCommand, config.CondaEnvName) { Timeout = timeout }
                : new DeepCheckOperation(DeepCheckOptions.From(config));
    }
}
