using System;
using System.Collections.Generic;

namespace ArenaInfra
{
    /// <summary>
    /// What the fleet costs now, what the account spent since a date, and how long the balance lasts
    /// (Get-ArenaSpend). A balance RunPod did not give is unknown, with the reason: never "not burning".
    /// </summary>
    public sealed class ArenaSpendReport
    {
        /// <summary>The moment the report is for (now, or -AsOf).</summary>
        public DateTimeOffset AsOf { get; internal set; }
        /// <summary>Where spend so far starts (a UTC midnight).</summary>
        public DateTimeOffset Since { get; internal set; }
        /// <summary>What the fleet's pods cost an hour now, from each pod's live cost (read at CostReadAt, whatever AsOf says).</summary>
        public decimal CostPerHour { get; internal set; }
        /// <summary>
        /// When the live figures were read: the cost per hour, the balance and RunPod's spend rate are that
        /// moment's, never the cost at a past AsOf; the runway and RunsOutAt are reckoned from it.
        /// </summary>
        public DateTimeOffset CostReadAt { get; internal set; }
        public decimal CostPerDay => CostPerHour * 24;
        /// <summary>What RunPod billed the account's pods from Since to AsOf (pods that are gone too): FleetSpent plus OutsideFleetSpent.</summary>
        public decimal Spent { get; internal set; }
        /// <summary>The fleet's part of Spent: pods named with the fleet's prefix, and gone pods this machine knew by such a name.</summary>
        public decimal FleetSpent { get; internal set; }
        /// <summary>The rest of Spent: the account's other pods, and gone pods no record here names as the fleet's.</summary>
        public decimal OutsideFleetSpent { get; internal set; }
        /// <summary>What RunPod billed the whole account from Since to AsOf (GET /v2/billing: pods, network volumes and every other resource); null when unknown.</summary>
        public decimal? AccountSpent { get; internal set; }
        /// <summary>The network volumes' storage part of AccountSpent, which no pod's record holds; null when unknown.</summary>
        public decimal? StorageSpent { get; internal set; }
        /// <summary>Why AccountSpent is unknown; null when known.</summary>
        public string? AccountSpentUnknownReason { get; internal set; }
        /// <summary>One row a pod: the live ones with their cost now, and every pod that has billing records.</summary>
        public IReadOnlyList<ArenaPodSpend> Pods { get; internal set; } = Array.Empty<ArenaPodSpend>();
        /// <summary>One row a UTC day that has billing records.</summary>
        public IReadOnlyList<ArenaDaySpend> Days { get; internal set; } = Array.Empty<ArenaDaySpend>();
        /// <summary>The account's balance; null when unknown (see BalanceUnknownReason).</summary>
        public decimal? Balance { get; internal set; }
        /// <summary>Why the balance is unknown (GraphQL retired: HTTP 410, or any other failure); null when known.</summary>
        public string? BalanceUnknownReason { get; internal set; }
        /// <summary>RunPod's own spend rate (currentSpendPerHr); null when unknown.</summary>
        public decimal? RunPodSpendPerHour { get; internal set; }
        public decimal? SpendLimit { get; internal set; }
        /// <summary>RunPod's underBalance flag; null when unknown.</summary>
        public bool? UnderBalance { get; internal set; }
        /// <summary>The rate the runway is reckoned at: the larger of RunPod's rate and the fleet's.</summary>
        public decimal BurnPerHour { get; internal set; }
        /// <summary>Hours until the balance is used up; null when the balance is unknown or nothing burns.</summary>
        public decimal? RunwayHours { get; internal set; }
        /// <summary>When the balance runs out at BurnPerHour; null when RunwayHours is.</summary>
        public DateTimeOffset? RunsOutAt { get; internal set; }
        /// <summary>The runway in words: hours and date, "not burning" (balance known, nothing billing), or "unknown (reason)".</summary>
        public string Runway { get; internal set; } = "";
        /// <summary>Why the balance needs attention (runway under BALANCE_WARN_HOURS, underBalance); null when it does not.</summary>
        public string? Warning { get; internal set; }
    }

    /// <summary>One pod's cost now and what it was billed since the report's start.</summary>
    public sealed class ArenaPodSpend
    {
        public string PodId { get; internal set; } = "";
        /// <summary>The pod's name as RunPod lists it, or, for a gone pod, as this machine's records knew it; null when unknown.</summary>
        public string? Name { get; internal set; }
        /// <summary>True when RunPod no longer lists the pod.</summary>
        public bool Gone { get; internal set; }
        /// <summary>True for a pod of the fleet: named with the fleet's prefix, or gone and known here by such a name.</summary>
        public bool InFleet { get; internal set; }
        /// <summary>What the pod costs an hour now (0 when gone or not billing compute).</summary>
        public decimal CostPerHour { get; internal set; }
        public decimal CostPerDay => CostPerHour * 24;
        public decimal Spent { get; internal set; }
    }

    /// <summary>What the account's pods were billed on one UTC day.</summary>
    public sealed class ArenaDaySpend
    {
        public DateTime Day { get; internal set; }
        public decimal Spent { get; internal set; }
        /// <summary>How many pods were billed that day.</summary>
        public int PodCount { get; internal set; }
    }
}
