using System;
using System.Linq;
using System.Text.RegularExpressions;

namespace ArenaInfra.Branches
{
    /// <summary>
    /// The one check of a branch name or a label before it goes near a shell: git check-ref-format's
    /// rules, and inside them a conservative allow-list (letters, digits, '.', '_', '-', and '/' between
    /// parts), at most 200 characters. Anything else is refused, never quoted and hoped for.
    /// </summary>
    internal static class BranchNames
    {
        private static readonly Regex Allowed = new Regex("^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$", RegexOptions.CultureInvariant);
        private static readonly Regex Label = new Regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant);

        public static bool IsValid(string name) =>
            Allowed.IsMatch(name)
            && !name.Contains("..") && !name.Contains("//") && !name.Contains("@{")
            && !name.EndsWith("/", StringComparison.Ordinal) && !name.EndsWith(".", StringComparison.Ordinal)
            && name.Split('/').All(part => part.Length > 0 && !part.StartsWith(".", StringComparison.Ordinal) && !part.EndsWith(".lock", StringComparison.Ordinal))
            && name != "HEAD" && !name.StartsWith("-", StringComparison.Ordinal);

        public static bool IsValidLabel(string label) => Label.IsMatch(label) && IsValid(label);

        public static ArenaException Invalid(string what, string name) => new ArenaException(ArenaErrorIds.InvalidBranchName, System.Management.Automation.ErrorCategory.InvalidArgument,
            $"'{TerminalText.SafeLine(name)}' is not a {what} this module accepts.",
            "Use letters, digits, '.', '_' and '-' (and '/' between parts of a branch name), without '..', a leading '.' or '-', or a trailing '.lock'.");
    }
}
