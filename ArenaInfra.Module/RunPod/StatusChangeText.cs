using System;
using System.Globalization;
using System.Text.RegularExpressions;

namespace ArenaInfra.RunPod
{
    /// <summary>
    /// Parses RunPod's free-text lastStatusChange, "&lt;Event&gt; by &lt;actor&gt;: &lt;date&gt;", such as
    /// "Rented by User: Fri Jul 12 2024 15:14:40 GMT-0400 (Eastern Daylight Time)". Never fails: what
    /// it cannot read stays null.
    /// </summary>
    internal static class StatusChangeText
    {
        private static readonly Regex Shape = new Regex(@"^\s*(?<event>[^:]+?)\s+by\s+[^:]*:\s*(?<date>.*?)\s*$", RegexOptions.CultureInvariant);
        private static readonly Regex JsDate = new Regex(
            @"^(?:[A-Za-z]{3}\s+)?(?<date>[A-Za-z]{3}\s+\d{1,2}\s+\d{4})(?:\s+(?<time>\d{1,2}:\d{2}(?::\d{2})?))?(?:\s+GMT(?<offset>[+-]\d{4}))?(?:\s*\(.*\))?$",
            RegexOptions.CultureInvariant);

        public static (string? Event, DateTimeOffset? At) Parse(string? text)
        {
            if (string.IsNullOrWhiteSpace(text)) return (null, null);
            var match = Shape.Match(text);
            if (!match.Success) return (null, null);
            return (match.Groups["event"].Value, ParseDate(match.Groups["date"].Value));
        }

        private static DateTimeOffset? ParseDate(string text)
        {
            var match = JsDate.Match(text);
            if (!match.Success)
            {
                return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var iso) ? iso : null;
            }
            var date = Regex.Replace(match.Groups["date"].Value, @"\s+", " ");
            if (!DateTime.TryParseExact(date, new[] { "MMM d yyyy", "MMM dd yyyy" }, CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                return null;
            }
            var time = TimeSpan.Zero;
            if (match.Groups["time"].Success && !TimeSpan.TryParse(match.Groups["time"].Value, CultureInfo.InvariantCulture, out time))
            {
                return null;
            }
            var offset = TimeSpan.Zero;
            if (match.Groups["offset"].Success)
            {
                var o = match.Groups["offset"].Value;
                offset = new TimeSpan(int.Parse(o.Substring(1, 2), CultureInfo.InvariantCulture), int.Parse(o.Substring(3, 2), CultureInfo.InvariantCulture), 0);
                if (o[0] == '-') offset = offset.Negate();
            }
            return new DateTimeOffset(day.Add(time), offset);
        }
    }
}
