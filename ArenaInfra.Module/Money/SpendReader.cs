using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using ArenaInfra.RunPod;

namespace ArenaInfra.Money
{
    /// <summary>
    /// Asks RunPod for the three things a spend report needs. The pod list and the billing history must be
    /// whole or the report fails; the balance may be missing (GraphQL retired, any failure) and is then
    /// unknown with the reason. A cancel stops all of it.
    /// </summary>
    internal static class SpendReader
    {
        public static async Task<ArenaSpendReport> ReadAsync(IRunPodApi api, IRunPodMoney money, DateTimeOffset since, DateTimeOffset asOf,
            int warnHours, IArenaLog log, CancellationToken cancellationToken)
        {
            var pods = (await api.ListPodsAsync(cancellationToken).ConfigureAwait(false)).Where(p => p.IsFleetPod).ToList();
            log.Verbose($"Spend: {pods.Count} fleet pods listed; reading pod billing from {since.UtcDateTime:yyyy-MM-dd}.");
            var billing = await money.GetPodBillingAsync(since, asOf, cancellationToken).ConfigureAwait(false);
            AccountBalance? balance = null;
            string? reason = null;
            try
            {
                balance = await money.GetBalanceAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ArenaException e) when (!cancellationToken.IsCancellationRequested)
            {
                reason = (e.HttpStatus == 410 ? "RunPod's GraphQL API, the only one with the balance, is gone (HTTP 410): " : "")
                    + TerminalText.SafeLine(e.Message);
                log.Verbose($"Spend: the balance is unknown: {reason}");
            }
            return SpendReckoner.Reckon(asOf, since, pods, billing, balance, reason, warnHours);
        }
    }
}
