using System;
using System.Collections.Generic;
using System.Text;

namespace ArenaInfra.Teardown
{
    /// <summary>
    /// Reads schtasks's verbose CSV (/fo CSV /v /nh) strictly: every field quoted, a quote inside one doubled,
    /// a comma or a line break inside quotes part of the field. Only the two columns the audit judges are
    /// kept; the whole text is already capped by BoundedCommand.
    /// </summary>
    internal static class TaskListCsv
    {
        /// <summary>The task's full name (\folder\name) and its "Task To Run": columns 2 and 9 in every locale.</summary>
        internal const int NameColumn = 1;
        internal const int CommandColumn = 8;

        internal sealed class Row
        {
            public Row(string name, string command)
            {
                Name = name;
                Command = command;
            }

            public string Name { get; }
            public string Command { get; }
        }

        /// <summary>The rows, or null when the text is not CSV as schtasks writes it (an open quote, text outside quotes).</summary>
        public static List<Row>? Read(string text)
        {
            var rows = new List<Row>();
            var fields = new List<string>();
            var field = new StringBuilder();
            var i = 0;
            while (i < text.Length)
            {
                var c = text[i];
                if (c == '\r' || c == '\n')
                {
                    i++;
                    continue;
                }
                // A row: "field","field",...
                fields.Clear();
                while (true)
                {
                    if (i >= text.Length || text[i] != '"') return null;
                    i++;
                    field.Clear();
                    while (true)
                    {
                        if (i >= text.Length) return null;
                        if (text[i] == '"')
                        {
                            if (i + 1 < text.Length && text[i + 1] == '"')
                            {
                                field.Append('"');
                                i += 2;
                                continue;
                            }
                            i++;
                            break;
                        }
                        field.Append(text[i]);
                        i++;
                    }
                    fields.Add(field.ToString());
                    if (i < text.Length && text[i] == ',')
                    {
                        i++;
                        continue;
                    }
                    if (i >= text.Length || text[i] == '\r' || text[i] == '\n') break;
                    return null;
                }
                rows.Add(new Row(fields.Count > NameColumn ? fields[NameColumn] : "", fields.Count > CommandColumn ? fields[CommandColumn] : ""));
            }
            return rows;
        }
    }
}
