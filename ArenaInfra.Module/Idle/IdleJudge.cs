using System;
using System.Collections.Generic;
using System.Globalization;

namespace ArenaInfra.Idle
{
    /// <summary>
    /// The verdict from the readings: Busy when any known reading shows use, Idle only when every
    /// reading is known and says idle for the hours asked, Unknown otherwise. Unknown is never idle.
    /// </summary>
    internal static class IdleJudge
    {
        /// <summary>Above this a GPU is at work, not just awake.</summary>
        public const int GpuBusyPercent = 5;
        /// <summary>More than a driver's own use: a process holds the GPU (a kernel with a model loaded).</summary>
        public const long GpuBusyMiB = 1024;

        public static void Apply(ArenaIdlePodReport report, IdleReadings r, TimeSpan hours)
        {
            var busy = new List<string>();
            var unknown = new List<string>();
            report.SshSessions = r.SshSessions;
            report.VsCodeProcesses = r.VsCode;
            report.InboundConnections = r.Inbound;
            report.GpuUtilizationPercent = r.GpuUtilization;
            report.GpuMemoryUsedMiB = r.GpuMemoryMiB;
            report.UptimeHours = r.UptimeSeconds is long up ? Math.Round(up / 3600.0, 1) : (double?)null;
            var h = hours.TotalHours.ToString("0.##", CultureInfo.InvariantCulture);

            if (!r.Finished) unknown.Add("the probe did not run to its end");
            Counted(r.SshSessions, "SSH sessions", busy, unknown);
            Counted(r.VsCode, "VS Code Remote processes", busy, unknown);
            Counted(r.Inbound, "other inbound connections", busy, unknown);
            if (r.GpuUtilization == null || r.GpuMemoryMiB == null) unknown.Add("GPU use unknown");
            else if (r.GpuUtilization > GpuBusyPercent || r.GpuMemoryMiB > GpuBusyMiB) busy.Add($"GPU in use ({r.GpuUtilization}%, {r.GpuMemoryMiB} MiB)");
            if (r.UptimeSeconds == null) unknown.Add("uptime unknown");
            else if (r.UptimeSeconds < hours.TotalSeconds) busy.Add($"started {report.UptimeHours:0.#} h ago, under {h} h");
            if (r.NewestFile is long newest)
            {
                report.LastFileChange = DateTimeOffset.FromUnixTimeSeconds(newest);
                if (r.Now is long now)
                {
                    var age = Math.Round((now - newest) / 3600.0, 1);
                    report.HoursSinceFileChange = age;
                    if (now - newest < hours.TotalSeconds) busy.Add($"a file changed {age:0.#} h ago, under {h} h");
                }
                else unknown.Add("the pod's clock unknown");
            }
            else unknown.Add(r.NoFiles ? "nothing found under the home" : "newest file change unknown");

            report.Verdict = busy.Count > 0 ? ArenaIdleVerdict.Busy : unknown.Count > 0 ? ArenaIdleVerdict.Unknown : ArenaIdleVerdict.Idle;
            if (report.Verdict == ArenaIdleVerdict.Idle) busy.Add($"no session, connection, GPU use or file change for {h} h");
            busy.AddRange(unknown);
            report.Reasons = busy.ToArray();
        }

        private static void Counted(int? count, string what, List<string> busy, List<string> unknown)
        {
            if (count == null) unknown.Add(what + " unknown");
            else if (count > 0) busy.Add($"{what}: {count}");
        }
    }
}
