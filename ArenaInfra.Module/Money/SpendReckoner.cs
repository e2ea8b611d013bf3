using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ArenaInfra.RunPod;

namespace ArenaInfra.Money
{
    /// <summary>Makes the report from what RunPod said: the pods, the billing records and the balance (or why there is none).</summary>
    internal static class SpendReckoner
    {
        public static ArenaSpendReport Reckon(DateTimeOffset asOf, DateTimeOffset since, IReadOnlyList<ArenaPod> fleet,
            IReadOnlyList<PodBillingRecord> billing, AccountBalance? balance, string? balanceUnknownReason, int warnHours)
        {
            var rows = new Dictionary<string, ArenaPodSpend>(StringComparer.Ordinal);
            foreach (var pod in fleet)
            {
                rows[pod.Id] = new ArenaPodSpend { PodId = pod.Id, Name = pod.Name, CostPerHour = pod.CostPerHour ?? 0 };
            }
            // Records after AsOf are left out, so a report for a past moment shows what was known then.
            var counted = billing.Where(r => r.Start >= since && r.Start < asOf).ToList();
            foreach (var record in counted)
            {
                if (!rows.TryGetValue(record.PodId, out var row))
                {
                    row = rows[record.PodId] = new ArenaPodSpend { PodId = record.PodId, Gone = true };
                }
                row.Spent += record.Amount;
            }
            var report = new ArenaSpendReport
            {
                AsOf = asOf,
                Since = since,
                CostPerHour = fleet.Sum(p => p.CostPerHour ?? 0),
                Spent = counted.Sum(r => r.Amount),
                Pods = rows.Values.OrderByDescending(r => r.CostPerHour).ThenByDescending(r => r.Spent).ThenBy(r => r.PodId, StringComparer.Ordinal).ToList(),
                Days = counted.GroupBy(r => r.Start.UtcDateTime.Date).OrderBy(g => g.Key)
                    .Select(g => new ArenaDaySpend { Day = g.Key, Spent = g.Sum(r => r.Amount), PodCount = g.Select(r => r.PodId).Distinct().Count() }).ToList(),
            };
            Runway(report, balance, balanceUnknownReason, warnHours);
            return report;
        }

        private static void Runway(ArenaSpendReport report, AccountBalance? balance, string? unknownReason, int warnHours)
        {
            report.BurnPerHour = Math.Max(balance?.CurrentSpendPerHr ?? 0, report.CostPerHour);
            if (balance == null)
            {
                report.BalanceUnknownReason = unknownReason ?? "RunPod gave no balance";
                report.Runway = $"unknown ({report.BalanceUnknownReason})";
                return;
            }
            report.Balance = balance.ClientBalance;
            report.RunPodSpendPerHour = balance.CurrentSpendPerHr;
            report.SpendLimit = balance.SpendLimit;
            report.UnderBalance = balance.UnderBalance;
            var warnings = new List<string>();
            if (balance.UnderBalance == true) warnings.Add("RunPod says the account is under balance: add funds, or pods stop");
            if (report.BurnPerHour > 0)
            {
                var exact = Math.Max(0, balance.ClientBalance / report.BurnPerHour);
                var hours = Math.Round(exact, 1);
                report.RunwayHours = hours;
                // Past a million hours (a century) there is no date worth showing, and AddHours could overflow.
                report.RunsOutAt = exact > 1_000_000 ? (DateTimeOffset?)null : report.AsOf.AddHours((double)exact);
                report.Runway = report.RunsOutAt == null ? $"{hours.ToString("0.0", CultureInfo.InvariantCulture)} h"
                    : $"{hours.ToString("0.0", CultureInfo.InvariantCulture)} h (runs out {report.RunsOutAt.Value.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC)";
                if (hours < warnHours)
                {
                    warnings.Add($"the balance of ${balance.ClientBalance.ToString("0.00", CultureInfo.InvariantCulture)} lasts {hours.ToString("0.0", CultureInfo.InvariantCulture)} h at ${report.BurnPerHour.ToString("0.000", CultureInfo.InvariantCulture)}/h, under BALANCE_WARN_HOURS ({warnHours} h): an empty balance stops every pod");
                }
            }
            else
            {
                report.Runway = "not burning";
            }
            report.Warning = warnings.Count == 0 ? null : string.Join("; ", warnings);
        }
    }
}
