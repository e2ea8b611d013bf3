using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ArenaInfra.Jobs
{
    /// <summary>
    /// Reads what the job scripts print, strictly: only our line shapes, values decoded from hex and
    /// accepted only as plain numbers in range. A value that is not is unknown, never a guess.
    /// </summary>
    internal static class JobRecords
    {
        private static readonly Regex JobLine = new Regex(
            @"^ARENA-JOB ([0-9]{8}T[0-9]{6}-[0-9a-f]{8}) ([01]) ([0-9a-f]{1,64}|-) ([0-9a-f]{1,64}|-) ([0-9a-f]{1,64}|-) ([0-9a-f]{1,64}|-) ([01]) ([0-9a-f]{1,4000}|-)\z",
            RegexOptions.CultureInvariant);

        private static readonly Regex Number = new Regex(@"^[0-9]{1,11}\n?\z", RegexOptions.CultureInvariant);
        private static readonly DateTime Epoch = new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);

        /// <summary>The jobs a listing shows, and the ids it says are missing.</summary>
        public static (List<ArenaPodJob> Jobs, List<string> Missing) ParseList(string output, ArenaPod pod)
        {
            var jobs = new List<ArenaPodJob>();
            var missing = new List<string>();
            foreach (var raw in output.Split('\n'))
            {
                var line = raw.TrimEnd('\r');
                if (line.StartsWith("ARENA-JOB-MISSING ", StringComparison.Ordinal) && JobId.IsValid(line.Substring(18)))
                {
                    missing.Add(line.Substring(18));
                    continue;
                }
                var m = JobLine.Match(line);
                if (!m.Success) continue;
                jobs.Add(Job(pod, m.Groups[1].Value, m.Groups[2].Value == "1", Hex(m.Groups[4].Value), Hex(m.Groups[5].Value), Hex(m.Groups[6].Value),
                    m.Groups[7].Value == "1", Hex(m.Groups[8].Value)));
            }
            return (jobs, missing);
        }

        /// <summary>Judges one job from its folder's values (null: the file is absent).</summary>
        public static ArenaPodJob Job(ArenaPod pod, string id, bool alive, string? started, string? ended, string? exit, bool stopped, string? command)
        {
            var job = New(pod, id);
            job.Command = command;
            job.Started = Time(started);
            job.Ended = Time(ended);
            var code = Int(exit);
            if (alive) job.State = ArenaPodJobState.Running;
            else if (stopped) job.State = ArenaPodJobState.Stopped;
            else if (exit == null) job.State = ArenaPodJobState.Lost;
            else if (code == null || code > 255)
            {
                job.State = ArenaPodJobState.Unknown;
                job.Error = $"the job's exit file does not hold an exit code (0-255), so its end is unknown: {Preview(exit)}";
                job.ErrorId = ArenaErrorIds.PodJobUnreadable;
            }
            else
            {
                job.ExitCode = (int)code.Value;
                job.State = code == 0 ? ArenaPodJobState.Completed : ArenaPodJobState.Failed;
            }
            if (job.State == ArenaPodJobState.Running) job.Ended = null;
            job.Succeeded = job.State != ArenaPodJobState.Unknown;
            return job;
        }

        public static ArenaPodJob New(ArenaPod pod, string? id) =>
            new ArenaPodJob { Name = pod.Name, MachineName = pod.MachineName, PodId = pod.Id, JobId = id };

        /// <summary>A plain number, else null.</summary>
        public static long? Int(string? text) =>
            text != null && Number.IsMatch(text) ? long.Parse(text.TrimEnd('\n'), NumberStyles.None, CultureInfo.InvariantCulture) : (long?)null;

        /// <summary>Seconds since 1970 within this century and the next, else null.</summary>
        public static DateTime? Time(string? text)
        {
            var seconds = Int(text);
            return seconds == null || seconds < 946684800L || seconds > 7258118400L ? null : Epoch.AddSeconds(seconds.Value);
        }

        /// <summary>Hex as the pod printed it, decoded; null for '-' (no such file).</summary>
        public static string? Hex(string hex) => hex == "-" ? null : Encoding.UTF8.GetString(Bytes(hex));

        public static byte[] Bytes(string hex)
        {
            if (hex.Length % 2 != 0) hex = hex.Substring(0, hex.Length - 1);
            var bytes = new byte[hex.Length / 2];
            for (var i = 0; i < bytes.Length; i++) bytes[i] = byte.Parse(hex.Substring(2 * i, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            return bytes;
        }

        private static string Preview(string text) => "'" + TerminalText.SafeLine(text.Length > 40 ? text.Substring(0, 40) + "..." : text) + "'";
    }
}
