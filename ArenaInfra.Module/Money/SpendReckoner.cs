using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ArenaInfra.Config;
using ArenaInfra.RunPod;

namespace ArenaInfra.Money
{
    /// <summary>Makes the report from what RunPod said: the pods, the billing records and the balance (or why there is none).</summary>
    internal static class SpendReckoner
    {
        public static ArenaSpendReport Reckon(DateTimeOffset asOf, DateTimeOffset since, SpendReading read, int warnHours, FleetNaming naming)
        {
            var rows = new Dictionary<string, ArenaPodSpend>(StringComparer.Ordinal);
            foreach (var pod in read.Pods)
            {
                rows[pod.Id] = new ArenaPodSpend { PodId = pod.Id, Name = pod.Name, InFleet = pod.IsFleetPod, CostPerHour = pod.CostPerHour ?? 0 };
            }
            // Records after AsOf are left out, so a report for a past moment shows what was billed by then.
            var counted = read.PodBilling.Where(r => r.Start >= since && r.Start < asOf).ToList();
            foreach (var record in counted)
            {
                if (!rows.TryGetValue(record.PodId, out var row))
                {
                    // A gone pod is the fleet's only when this machine knew it by a fleet name.
                    var known = read.KnownNames.TryGetValue(record.PodId, out var name) ? name : null;
                    row = rows[record.PodId] = new ArenaPodSpend { PodId = record.PodId, Name = known, Gone = true, InFleet = known != null && naming.MachineNameOf(known) != null };
                }
                row.Spent += record.Amount;
            }
            var fleet = read.Pods.Where(p => p.IsFleetPod).ToList();
            var report = new ArenaSpendReport
            {
                AsOf = asOf,
                Since = since,
                CostReadAt = read.ReadAt,
                CostPerHour = fleet.Sum(p => p.CostPerHour ?? 0),
                Spent = counted.Sum(r => r.Amount),
                // Every billed pod with its cost now, and the fleet's pods even before their first bill.
                Pods = rows.Values.Where(r => r.InFleet || r.Spent != 0)
                    .OrderByDescending(r => r.InFleet).ThenByDescending(r => r.CostPerHour).ThenByDescending(r => r.Spent).ThenBy(r => r.PodId, StringComparer.Ordinal).ToList(),
                Days = counted.GroupBy(r => r.Start.UtcDateTime.Date).OrderBy(g => g.Key)
                    .Select(g => new ArenaDaySpend { Day = g.Key, Spent = g.Sum(r => r.Amount), PodCount = g.Select(r => r.PodId).Distinct().Count() }).ToList(),
            };
            report.FleetSpent = rows.Values.Where(r => r.InFleet).Sum(r => r.Spent);
            report.OutsideFleetSpent = report.Spent - report.FleetSpent;
            if (read.AccountBilling != null)
            {
                var bills = read.AccountBilling.Where(r => r.Start >= since && r.Start < asOf).ToList();
                report.AccountSpent = bills.Sum(r => r.Total);
                report.StorageSpent = bills.Sum(r => r.Storage);
            }
            else
            {
                report.AccountSpentUnknownReason = read.AccountUnknownReason ?? "RunPod gave no account billing";
            }
            Runway(report, read.Balance, read.BalanceUnknownReason, warnHours);
            return report;
        }

        private static void Runway(ArenaSpendReport report, AccountBalance? balance, string? unknownReason, int warnHours)
        {
            report.BurnPerHour = Math.Max(balance?.CurrentSpendPerHr ?? 0, report.CostPerHour);
            if (balance == null)
            {
                report.BalanceUnknownReason = unknownReason ?? "RunPod gave no balance";
                report.Runway = $"unknown ({report.BalanceUnknownReason})";
                // Nobody can tell how long the balance lasts: that needs attention as much as a short runway.
                report.Warning = $"the balance is unknown, so is how long it lasts: {report.BalanceUnknownReason}";
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
                // The balance and the rates are the moment they were read, so the date is reckoned from then, not from a past AsOf.
                report.RunsOutAt = exact > 1_000_000 ? (DateTimeOffset?)null : report.CostReadAt.AddHours((double)exact);
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
