using System.Collections.Generic;
using Newtonsoft.Json;

namespace ArenaInfra.StatusPage
{
    /// <summary>
    /// status.json as participants read it: the allow-list. Opt-in serialisation, so only the members
    /// marked here are written; it is filled field by field from a pod, never by serialising one, so no
    /// address, port, pod id, cost or key can reach the page by a new property on ArenaPod.
    /// </summary>
    [JsonObject(MemberSerialization.OptIn)]
    internal sealed class StatusFile
    {
        public const int CurrentVersion = 1;

        [JsonProperty("version", Order = 1)]
        public int Version { get; set; } = CurrentVersion;

        /// <summary>When the status was written, UTC, ISO 8601: the page calls it stale after 10 minutes.</summary>
        [JsonProperty("written", Order = 2)]
        public string Written { get; set; } = "";

        /// <summary>The same time for the command's result; not in the file (opt-in), as it is there as Written.</summary>
        public System.DateTimeOffset WrittenAt { get; set; }

        [JsonProperty("machines", Order = 3)]
        public List<StatusMachine> Machines { get; set; } = new List<StatusMachine>();
    }

    /// <summary>One machine on the page.</summary>
    [JsonObject(MemberSerialization.OptIn)]
    internal sealed class StatusMachine
    {
        /// <summary>The machine name (the pod's name without the fleet prefix), terminal-safe and bounded.</summary>
        [JsonProperty("machine", Order = 1)]
        public string Machine { get; set; } = "";

        /// <summary>'RTX A4000', '2 x RTX 4090'; null when RunPod does not say.</summary>
        [JsonProperty("gpu", Order = 2)]
        public string? Gpu { get; set; }

        /// <summary>up, starting or down (StatusReport.StateOf).</summary>
        [JsonProperty("state", Order = 3)]
        public string State { get; set; } = "";

        /// <summary>The last deep check's verdict (PASS, WARN, FAIL); null when the pod was never deep-checked here.</summary>
        [JsonProperty("check", Order = 4)]
        public string? Check { get; set; }

        /// <summary>When that check ran, UTC, ISO 8601: the page shows its age.</summary>
        [JsonProperty("checkedAt", Order = 5)]
        public string? CheckedAt { get; set; }
    }
}
