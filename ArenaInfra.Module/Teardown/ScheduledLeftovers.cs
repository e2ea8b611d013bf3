using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;

namespace ArenaInfra.Teardown
{
    /// <summary>
    /// This module's scheduled work on the organiser's machine: on Windows the scheduled tasks (schtasks's
    /// list, the task's command naming an example script or ArenaInfra), elsewhere the user's crontab
    /// lines that do. A missing crontab is Clear; a crontab that cannot be read is Unknown.
    /// </summary>
    internal static class ScheduledLeftovers
    {
        /// <summary>The scripts in examples/ a schedule runs; a line naming one (or ArenaInfra) is this module's.</summary>
        internal static readonly string[] Markers =
            { "ArenaInfra", "Evening-SaveAndBackup", "Morning-Check", "ScheduledRun", "Weekend-PauseAndResume", "Nightly-IdleReport" };

        /// <summary>The command that prints the crontab. A seam: tests give their own, never this machine's crontab.</summary>
        internal static string[] CrontabCommand = { "crontab", "-l" };

        /// <summary>The command that lists the scheduled tasks on Windows (CSV, verbose, no header).</summary>
        internal static string[] TaskListCommand = { "schtasks", "/query", "/fo", "CSV", "/v", "/nh" };

        /// <summary>Whether the Windows list is read; a seam for tests, like the commands.</summary>
        internal static bool OnWindows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        /// <summary>How long the crontab or the task list may take; a seam, so a test of a hanging command waits a second, not this.</summary>
        internal static TimeSpan Timeout = TimeSpan.FromSeconds(15);

        /// <summary>A task's name or command is shown cut to this: a hostile row cannot grow a line without end.</summary>
        internal const int MaxShown = 260;

        public static async Task<IReadOnlyList<ArenaTeardownCheck>> CheckAsync(CancellationToken cancellationToken) =>
            OnWindows ? await WindowsTasksAsync(cancellationToken).ConfigureAwait(false) : await CrontabAsync(cancellationToken).ConfigureAwait(false);

        private static async Task<IReadOnlyList<ArenaTeardownCheck>> CrontabAsync(CancellationToken cancellationToken)
        {
            const ArenaTeardownKind kind = ArenaTeardownKind.ScheduledTask;
            CommandAnswer answer;
            try
            {
                answer = await BoundedCommand.RunAsync(CrontabCommand, Timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException || e is InvalidDataException || e is IOException)
            {
                return new[] { new ArenaTeardownCheck(kind, "crontab", ArenaTeardownState.Unknown, $"the crontab could not be read: {e.Message}", "crontab -l") };
            }
            if (answer.NotFound)
            {
                return new[] { new ArenaTeardownCheck(kind, "crontab", ArenaTeardownState.Clear, "there is no crontab command on this machine, so no cron line can run") };
            }
            if (answer.ExitCode != 0)
            {
                // cron's own words for a user who never had a crontab; any other failure leaves it unknown.
                if (answer.Error.IndexOf("no crontab for", StringComparison.OrdinalIgnoreCase) >= 0)
                {
                    return new[] { new ArenaTeardownCheck(kind, "crontab", ArenaTeardownState.Clear, "the user has no crontab") };
                }
                return new[] { new ArenaTeardownCheck(kind, "crontab", ArenaTeardownState.Unknown,
                    $"'crontab -l' failed (exit {answer.ExitCode}): {UntrustedValue.Printable(answer.Error.Trim())}", "crontab -l") };
            }
            var found = new List<ArenaTeardownCheck>();
            var lines = answer.Output.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i].Trim();
                if (line.Length == 0 || line.StartsWith("#", StringComparison.Ordinal) || !Names(line)) continue;
                found.Add(new ArenaTeardownCheck(kind, $"crontab line {i + 1}", ArenaTeardownState.Left,
                    $"runs this module's work: {UntrustedValue.Printable(line)}", $"crontab -e   # delete line {i + 1}"));
            }
            if (found.Count == 0) found.Add(new ArenaTeardownCheck(kind, "crontab", ArenaTeardownState.Clear, "no crontab line runs ArenaInfra or its example scripts"));
            return found;
        }

        private static async Task<IReadOnlyList<ArenaTeardownCheck>> WindowsTasksAsync(CancellationToken cancellationToken)
        {
            const ArenaTeardownKind kind = ArenaTeardownKind.ScheduledTask;
            CommandAnswer answer;
            try
            {
                answer = await BoundedCommand.RunAsync(TaskListCommand, Timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException || e is InvalidDataException || e is IOException)
            {
                return new[] { new ArenaTeardownCheck(kind, "scheduled tasks", ArenaTeardownState.Unknown, $"the task list could not be read: {e.Message}", "Get-ScheduledTask") };
            }
            if (answer.NotFound || answer.ExitCode != 0)
            {
                return new[] { new ArenaTeardownCheck(kind, "scheduled tasks", ArenaTeardownState.Unknown,
                    $"'schtasks /query' failed (exit {answer.ExitCode}): {UntrustedValue.Printable(answer.Error.Trim())}", "Get-ScheduledTask") };
            }
            if (answer.Output.Trim().Length == 0 || NoTasks(answer.Output))
            {
                return new[] { new ArenaTeardownCheck(kind, "scheduled tasks", ArenaTeardownState.Clear, "schtasks lists no scheduled task") };
            }
            var rows = TaskListCsv.Read(answer.Output);
            if (rows == null)
            {
                return new[] { new ArenaTeardownCheck(kind, "scheduled tasks", ArenaTeardownState.Unknown,
                    $"'schtasks /query' printed something that is not its CSV list: {UntrustedValue.Printable(answer.Output.Trim())}", "Get-ScheduledTask") };
            }
            var found = new List<ArenaTeardownCheck>();
            // The verbose list has a row for each of a task's triggers: one line a task.
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var row in rows)
            {
                if (!Names(row.Name) && !Names(row.Command)) continue;
                if (!seen.Add(row.Name)) continue;
                var cut = row.Name.LastIndexOf('\\');
                var leaf = row.Name.Substring(cut + 1);
                var folder = cut < 0 ? "\\" : row.Name.Substring(0, cut + 1);
                found.Add(new ArenaTeardownCheck(kind, Shorten(row.Name), ArenaTeardownState.Left,
                    $"a scheduled task runs this module's work: {Shorten(row.Command)}",
                    $"Unregister-ScheduledTask -TaskName {LocalLeftovers.Quote(leaf)} -TaskPath {LocalLeftovers.Quote(folder)}"));
            }
            if (found.Count == 0) found.Add(new ArenaTeardownCheck(kind, "scheduled tasks", ArenaTeardownState.Clear, "no scheduled task runs ArenaInfra or its example scripts"));
            return found;
        }

        /// <summary>schtasks's answer for an empty list: one INFO line and no CSV at all.</summary>
        private static bool NoTasks(string output) =>
            output.IndexOf('"') < 0 && output.TrimStart().StartsWith("INFO:", StringComparison.Ordinal);

        private static string Shorten(string text)
        {
            var one = TerminalText.SafeLine(text);
            return one.Length <= MaxShown ? one : one.Substring(0, MaxShown) + "...";
        }

        private static bool Names(string line) => Markers.Any(m => line.IndexOf(m, StringComparison.OrdinalIgnoreCase) >= 0);
    }
}
