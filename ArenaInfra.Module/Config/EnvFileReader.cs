using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Text;
using System.Text.RegularExpressions;

namespace ArenaInfra.Config
{
    /// <summary>A KEY=value entry as written in a config file, before any typing or validation.</summary>
    internal sealed class RawConfigEntry
    {
        public RawConfigEntry(string key, string? scalar, IReadOnlyList<string>? list, int line)
        {
            Key = key;
            Scalar = scalar;
            List = list;
            Line = line;
        }

        public string Key { get; }
        public string? Scalar { get; }
        public IReadOnlyList<string>? List { get; }
        public int Line { get; }
    }

    /// <summary>
    /// Reads the old bash-style config.env: KEY=value with ", ' or no quotes, comments after values,
    /// an optional 'export', and arrays written NAME=( then items, one or more a line, then ).
    /// It never runs anything: $VAR and $(...) are kept as text.
    /// </summary>
    internal static class EnvFileReader
    {
        private static readonly Regex Assignment = new Regex(@"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$", RegexOptions.CultureInvariant);

        public static List<RawConfigEntry> Read(string text, string path)
        {
            var entries = new List<RawConfigEntry>();
            var lines = text.Replace("\r\n", "\n").Replace('\r', '\n').Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var lineNumber = i + 1;
                var line = lines[i].Trim();
                if (i == 0 && line.Length > 0 && line[0] == '\uFEFF') line = line.Substring(1);
                if (line.Length == 0 || line[0] == '#') continue;

                var match = Assignment.Match(line);
                if (!match.Success)
                {
                    // The line itself is not echoed: it may hold a key.
                    throw ParseError(path, lineNumber, "expected KEY=value (or KEY=( ... ) for a list)");
                }
                var key = match.Groups[1].Value;
                var rest = match.Groups[2].Value;

                if (rest.StartsWith("(", StringComparison.Ordinal))
                {
                    var items = new List<string>();
                    var startLine = lineNumber;
                    var closed = ReadListItems(rest.Substring(1), items, path, lineNumber, key);
                    while (!closed)
                    {
                        i++;
                        if (i >= lines.Length)
                        {
                            throw ParseError(path, startLine, $"the list {key}=( is never closed with ')'");
                        }
                        closed = ReadListItems(lines[i], items, path, i + 1, key);
                    }
                    entries.Add(new RawConfigEntry(key, null, items, startLine));
                }
                else
                {
                    var position = 0;
                    var value = ReadToken(rest, ref position, path, lineNumber, key) ?? "";
                    SkipSpaces(rest, ref position);
                    if (position < rest.Length && rest[position] != '#')
                    {
                        throw ParseError(path, lineNumber,
                            $"{key} has more than one value; quote values that contain spaces");
                    }
                    entries.Add(new RawConfigEntry(key, value, null, lineNumber));
                }
            }
            return entries;
        }

        /// <summary>Reads items from one line of a list; true when the closing ')' was on it.</summary>
        private static bool ReadListItems(string text, List<string> items, string path, int lineNumber, string key)
        {
            var position = 0;
            while (true)
            {
                SkipSpaces(text, ref position);
                if (position >= text.Length || text[position] == '#') return false;
                if (text[position] == ')')
                {
                    position++;
                    SkipSpaces(text, ref position);
                    if (position < text.Length && text[position] != '#')
                    {
                        throw ParseError(path, lineNumber, $"unexpected text after the end of the list {key}");
                    }
                    return true;
                }
                var item = ReadToken(text, ref position, path, lineNumber, key);
                if (item != null) items.Add(item);
            }
        }

        /// <summary>Reads one quoted or bare word; null when there is none.</summary>
        private static string? ReadToken(string text, ref int position, string path, int lineNumber, string key)
        {
            if (position >= text.Length) return null;
            var quote = text[position];
            if (quote == '"' || quote == '\'')
            {
                var value = new StringBuilder();
                position++;
                while (position < text.Length && text[position] != quote)
                {
                    // Inside double quotes bash keeps backslash escapes for ", \, $ and `.
                    if (quote == '"' && text[position] == '\\' && position + 1 < text.Length && "\"\\$`".IndexOf(text[position + 1]) >= 0)
                    {
                        position++;
                    }
                    value.Append(text[position]);
                    position++;
                }
                if (position >= text.Length)
                {
                    throw ParseError(path, lineNumber, $"the value of {key} has an opening {quote} but no closing one");
                }
                position++;
                if (position < text.Length && !char.IsWhiteSpace(text[position]) && text[position] != ')')
                {
                    throw ParseError(path, lineNumber, $"unexpected text right after the quoted value of {key}");
                }
                return value.ToString();
            }

            var start = position;
            while (position < text.Length && !char.IsWhiteSpace(text[position]) && text[position] != ')')
            {
                if (text[position] == '"' || text[position] == '\'')
                {
                    throw ParseError(path, lineNumber, $"a quote in the middle of the value of {key}; quote the whole value");
                }
                position++;
            }
            return position > start ? text.Substring(start, position - start) : null;
        }

        private static void SkipSpaces(string text, ref int position)
        {
            while (position < text.Length && char.IsWhiteSpace(text[position])) position++;
        }

        internal static ArenaException ParseError(string path, int line, string what) =>
            new ArenaException(ArenaErrorIds.ConfigParseError, ErrorCategory.ParserError,
                $"{path} line {line}: {what}.",
                "Fix that line of the config file; the format is KEY=\"value\" with one setting a line.",
                target: path);
    }
}
