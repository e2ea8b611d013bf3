using System.Text;

namespace ArenaInfra
{
    /// <summary>
    /// The one terminal-safe filter. Participants have root on their pods and anyone with the account can
    /// name a pod, so any text of theirs the module shows (a property in a format view, a message, a
    /// warning, an error, progress) could carry escape sequences: OSC 52 writes the organiser's clipboard,
    /// CSI 2J clears the screen, others retitle the window or hide what follows. Every control character
    /// (C0 with ESC and BEL, DEL, C1) becomes '?', and so do the marks that reorder text on screen; newlines
    /// and tabs stay. The bytes as they came stay on the objects, in the *Raw properties.
    /// Public so that the format views can call it.
    /// </summary>
    public static class TerminalText
    {
        /// <summary>Text made safe for a terminal; line breaks and tabs kept (a lone carriage return is not: it rewrites a line).</summary>
        public static string Safe(string? text)
        {
            if (string.IsNullOrEmpty(text)) return text ?? "";
            if (IsSafe(text!)) return text!;
            var value = text!;
            var builder = new StringBuilder(value.Length);
            for (var i = 0; i < value.Length; i++)
            {
                var c = value[i];
                if (c == '\r' && i + 1 < value.Length && value[i + 1] == '\n') continue;
                builder.Append(Allowed(c, keepLines: true) ? c : '?');
            }
            return builder.ToString();
        }

        /// <summary>Text for one line of a message or a table cell: line breaks and tabs become '?' too.</summary>
        public static string SafeLine(string? text)
        {
            if (string.IsNullOrEmpty(text)) return text ?? "";
            var value = text!;
            var builder = new StringBuilder(value.Length);
            foreach (var c in value) builder.Append(Allowed(c, keepLines: false) ? c : '?');
            return builder.ToString();
        }

        /// <summary>True when the text would pass the filter unchanged.</summary>
        public static bool IsSafe(string? text)
        {
            if (text == null) return true;
            foreach (var c in text)
            {
                if (!Allowed(c, keepLines: true) || c == '\r') return false;
            }
            return true;
        }

        private static bool Allowed(char c, bool keepLines)
        {
            if (c == '\n' || c == '\t') return keepLines;
            if (char.IsControl(c)) return false;
            // Bidirectional overrides and isolates: they make a terminal show text in another order than it is.
            return !(c >= '\u202A' && c <= '\u202E') && !(c >= '\u2066' && c <= '\u2069');
        }
    }
}
