using System;
using System.Globalization;
using System.Linq;

namespace ArenaInfra
{
    /// <summary>What New-ArenaPod did, written to the Information stream at the end.</summary>
    public sealed class ArenaPodCreationSummary
    {
        public int Requested { get; internal set; }
        public string[] Created { get; internal set; } = Array.Empty<string>();
        /// <summary>Pods that existed already and were not created again.</summary>
        public string[] Skipped { get; internal set; } = Array.Empty<string>();
        public string[] Failed { get; internal set; } = Array.Empty<string>();
        public decimal? EstimatedCostPerHour { get; internal set; }
        /// <summary>What each new pod got: "camp-alpha: NVIDIA RTX A5000 on COMMUNITY (0.220 USD/h)".</summary>
        public string[] Placements { get; internal set; } = Array.Empty<string>();

        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture, "Requested {0}: created {1}, skipped {2} (exist already{3}), failed {4}{5}.",
                Requested, Created.Length, Skipped.Length, Skipped.Length > 0 ? ": " + string.Join(", ", Skipped) : "", Failed.Length,
                Failed.Length > 0 ? " (" + string.Join(", ", Failed) + ")" : "") +
            (EstimatedCostPerHour is decimal cost ? string.Format(CultureInfo.InvariantCulture, " New pods cost about {0:0.00} USD/hour.", cost) : "")
            + (Placements.Length > 0 && Placements.Select(p => p.Substring(p.IndexOf(':') + 1)).Distinct().Count() > 1 ? " Placed: " + string.Join("; ", Placements) + "." : "");
    }
}
