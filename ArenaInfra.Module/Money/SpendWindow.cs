using System;
using System.Globalization;
using System.Management.Automation;
using ArenaInfra.Common;

namespace ArenaInfra.Money
{
    /// <summary>Where spend so far starts: -Since, else the config's PROGRAM_START_DATE, else 7 days before AsOf; a UTC midnight.</summary>
    internal static class SpendWindow
    {
        public static DateTimeOffset Start(DateTime? since, string? programStartDate, DateTimeOffset asOf)
        {
            DateTime day;
            if (since != null)
            {
                day = since.Value.Kind == DateTimeKind.Local ? since.Value.ToUniversalTime().Date : since.Value.Date;
            }
            else if (!string.IsNullOrWhiteSpace(programStartDate))
            {
                if (!DateTime.TryParseExact(programStartDate!.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out day))
                {
                    throw new ArenaException(ArenaErrorIds.InvalidConfigValue, ErrorCategory.InvalidData,
                        $"PROGRAM_START_DATE '{UntrustedValue.Printable(programStartDate)}' is not a date in the form yyyy-MM-dd.",
                        "Write the program's first day as yyyy-MM-dd (2026-07-06), or pass -Since.", target: "PROGRAM_START_DATE");
                }
            }
            else
            {
                day = asOf.UtcDateTime.Date.AddDays(-7);
            }
            var start = new DateTimeOffset(DateTime.SpecifyKind(day.Date, DateTimeKind.Utc));
            if (start > asOf)
            {
                throw new ArenaException(ArenaErrorIds.InvalidArgument, ErrorCategory.InvalidArgument,
                    $"The spend would start on {start.UtcDateTime:yyyy-MM-dd}, after the moment of the report ({asOf.UtcDateTime:yyyy-MM-dd HH:mm} UTC).",
                    "Pass a -Since on or before -AsOf.", target: "Since");
            }
            return start;
        }
    }
}
