using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;

namespace ArenaInfra.Jobs
{
    /// <summary>One read of a job's log: the bytes from Start, the log's size, and whether the job still ran.</summary>
    internal sealed class JobLogChunk
    {
        public bool Alive { get; set; }
        public long Size { get; set; }
        public long Start { get; set; }
        public byte[] Bytes { get; set; } = Array.Empty<byte>();
        /// <summary>Null when read; else why the log could not be (missing, a link).</summary>
        public string? Problem { get; set; }

        private static readonly Regex Header = new Regex(@"^ARENA-JOB-READ ([01]) ([0-9]{1,15}) ([0-9]{1,15})\z", RegexOptions.CultureInvariant);
        private static readonly Regex HexLine = new Regex(@"^[0-9a-f ]*\z", RegexOptions.CultureInvariant);

        /// <summary>Reads the read script's output strictly; at most cap bytes are taken.</summary>
        public static JobLogChunk Parse(string output, int cap)
        {
            var lines = output.Split('\n');
            var chunk = new JobLogChunk();
            var at = Array.FindIndex(lines, l => l.StartsWith("ARENA-JOB-", StringComparison.Ordinal));
            if (at < 0) return new JobLogChunk { Problem = "the pod's answer was not a read of the log" };
            if (lines[at] == "ARENA-JOB-MISSING") return new JobLogChunk { Problem = "the job's folder is not on the pod (or is a link)" };
            if (lines[at] == "ARENA-JOB-BADLOG") return new JobLogChunk { Problem = "the job's log is a link or not a plain file, so it is not read" };
            var m = Header.Match(lines[at]);
            if (!m.Success) return new JobLogChunk { Problem = "the pod's answer was not a read of the log" };
            chunk.Alive = m.Groups[1].Value == "1";
            chunk.Size = long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            chunk.Start = long.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
            var hex = new StringBuilder();
            var ended = false;
            for (var i = at + 1; i < lines.Length; i++)
            {
                if (lines[i] == "ARENA-JOB-END") { ended = true; break; }
                if (!HexLine.IsMatch(lines[i])) return new JobLogChunk { Problem = "the pod's answer was not a read of the log" };
                hex.Append(lines[i].Replace(" ", ""));
            }
            if (!ended) return new JobLogChunk { Problem = "the read of the log was cut short" };
            var bytes = JobRecords.Bytes(hex.ToString());
            if (bytes.Length > cap) Array.Resize(ref bytes, cap);
            chunk.Bytes = bytes;
            return chunk;
        }
    }

    /// <summary>
    /// Turns a log's bytes into lines: a line is emitted once it is complete, so reading on from the
    /// offset after the last newline repeats nothing and loses nothing; a line longer than the cap is
    /// emitted in pieces. Bytes that are not UTF-8 become U+FFFD.
    /// </summary>
    internal static class JobLines
    {
        /// <summary>The complete lines in the bytes and how many bytes they took (the rest is an unfinished line).</summary>
        public static (List<string> Lines, int Used) Complete(byte[] bytes, bool takeUnfinished)
        {
            var lines = new List<string>();
            var start = 0;
            for (var i = 0; i < bytes.Length; i++)
            {
                if (bytes[i] != (byte)'\n') continue;
                lines.Add(Decode(bytes, start, i - start));
                start = i + 1;
            }
            if (start < bytes.Length && takeUnfinished)
            {
                lines.Add(Decode(bytes, start, bytes.Length - start));
                start = bytes.Length;
            }
            return (lines, start);
        }

        private static string Decode(byte[] bytes, int start, int count)
        {
            if (count > 0 && bytes[start + count - 1] == (byte)'\r') count--;
            return new UTF8Encoding(false, false).GetString(bytes, start, count);
        }
    }
}
