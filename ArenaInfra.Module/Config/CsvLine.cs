using System.Collections.Generic;
using System.Text;

namespace ArenaInfra.Config
{
    /// <summary>
    /// One line of a CSV file the user writes (the roster, the hosts file), read as RFC 4180 reads it:
    /// fields split by commas, a field in double quotes may hold a comma, a doubled quote is one quote.
    /// A quote anywhere else (inside an unquoted field, text after a closing quote, a quote left open)
    /// makes the line unreadable rather than guessed at. Blanks around a field are not part of it.
    /// </summary>
    internal static class CsvLine
    {
        /// <summary>The fields, or null when the line is not CSV.</summary>
        public static List<string>? Split(string line)
        {
            var fields = new List<string>();
            var field = new StringBuilder();
            var i = 0;
            while (true)
            {
                while (i < line.Length && (line[i] == ' ' || line[i] == '\t')) i++;
                field.Clear();
                if (i < line.Length && line[i] == '"')
                {
                    i++;
                    while (true)
                    {
                        if (i >= line.Length) return null; // left open
                        if (line[i] == '"')
                        {
                            if (i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i += 2; continue; }
                            i++;
                            break;
                        }
                        field.Append(line[i++]);
                    }
                    while (i < line.Length && (line[i] == ' ' || line[i] == '\t')) i++;
                    if (i < line.Length && line[i] != ',') return null; // text after the closing quote
                    fields.Add(field.ToString());
                }
                else
                {
                    while (i < line.Length && line[i] != ',')
                    {
                        if (line[i] == '"') return null; // a quote inside an unquoted field
                        field.Append(line[i++]);
                    }
                    fields.Add(field.ToString().Trim(' ', '\t'));
                }
                if (i >= line.Length) return fields;
                i++; // the comma
            }
        }
    }
}
