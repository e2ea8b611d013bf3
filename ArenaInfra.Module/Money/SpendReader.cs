using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using ArenaInfra.Config;
using ArenaInfra.RunPod;

namespace ArenaInfra.Money
{
    /// <summary>
    /// Asks RunPod for what a spend report needs. The pod list and the pods' billing history must be whole
    /// or the report fails; the account's whole bill and the balance may be missing and are then unknown
    /// with the reason, never 0. A cancel stops all of it.
    /// </summary>
    internal static class SpendReader
    {
        public static async Task<ArenaSpendReport> ReadAsync(IRunPodApi api, IRunPodMoney money, DateTimeOffset since, DateTimeOffset asOf,
            int warnHours, FleetNaming naming, IArenaLog log, CancellationToken cancellationToken)
        {
            var pods = await api.ListPodsAsync(cancellationToken).ConfigureAwait(false);
            var readAt = DateTimeOffset.UtcNow;
            log.Verbose($"Spend: {pods.Count} pods listed ({pods.Count(p => p.IsFleetPod)} of the fleet); reading pod billing from {since.UtcDateTime:yyyy-MM-dd}.");
            var billing = await money.GetPodBillingAsync(since, asOf, cancellationToken).ConfigureAwait(false);
            IReadOnlyList<AccountBillingRecord>? account = null;
            string? accountReason = null;
            try
            {
                account = await money.GetAccountBillingAsync(since, asOf, cancellationToken).ConfigureAwait(false);
            }
            catch (ArenaException e) when (!cancellationToken.IsCancellationRequested)
            {
                accountReason = "RunPod's account billing (GET /v2/billing) was not read: " + TerminalText.SafeLine(e.Message);
                log.Verbose($"Spend: the account's total is unknown: {accountReason}");
            }
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
            var read = new SpendReading(pods, readAt, billing, KnownPodNames.Read(log), account, accountReason, balance, reason);
            return SpendReckoner.Reckon(asOf, since, read, warnHours, naming);
        }
    }

    /// <summary>Everything RunPod and this machine's records said, as the reckoner takes it.</summary>
    internal sealed class SpendReading
    {
        public SpendReading(IReadOnlyList<ArenaPod> pods, DateTimeOffset readAt, IReadOnlyList<PodBillingRecord> podBilling, IReadOnlyDictionary<string, string> knownNames,
            IReadOnlyList<AccountBillingRecord>? accountBilling, string? accountUnknownReason, AccountBalance? balance, string? balanceUnknownReason)
        {
            Pods = pods;
            ReadAt = readAt;
            PodBilling = podBilling;
            KnownNames = knownNames;
            AccountBilling = accountBilling;
            AccountUnknownReason = accountUnknownReason;
            Balance = balance;
            BalanceUnknownReason = balanceUnknownReason;
        }

        /// <summary>Every pod of the account RunPod lists (the fleet's and the others).</summary>
        public IReadOnlyList<ArenaPod> Pods { get; }
        /// <summary>When the live figures were read.</summary>
        public DateTimeOffset ReadAt { get; }
        public IReadOnlyList<PodBillingRecord> PodBilling { get; }
        /// <summary>Pod id to the name this machine's records knew it by.</summary>
        public IReadOnlyDictionary<string, string> KnownNames { get; }
        public IReadOnlyList<AccountBillingRecord>? AccountBilling { get; }
        public string? AccountUnknownReason { get; }
        public AccountBalance? Balance { get; }
        public string? BalanceUnknownReason { get; }
    }
}
