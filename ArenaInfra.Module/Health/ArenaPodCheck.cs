namespace ArenaInfra
{
    /// <summary>One deep-check verdict; the order is from best to worst.</summary>
    public enum ArenaCheckVerdict
    {
        Pass,
        Warn,
        Fail,
    }

    /// <summary>One line of a deep check: what was checked, the verdict, and why.</summary>
    public sealed class ArenaPodCheck
    {
        private string _reason = "";

        internal ArenaPodCheck(string name, ArenaCheckVerdict verdict, string reason)
        {
            Name = name;
            Verdict = verdict;
            Reason = reason;
        }

        /// <summary>The check's name: nvidia-smi, driver, gpu-count, torch, compute, peer-copy, nccl, disk-root, disk-workspace, download, load, budget, output, deep-check.</summary>
        public string Name { get; }
        public ArenaCheckVerdict Verdict { get; }

        /// <summary>Why, terminal-safe and at most MaxReason characters: much of it comes from the pod.</summary>
        public string Reason { get => _reason; private set => _reason = Bounded(value); }

        internal const int MaxReason = 200;

        internal static string Bounded(string text)
        {
            var line = TerminalText.SafeLine(text).Trim();
            return line.Length <= MaxReason ? line : line.Substring(0, MaxReason - 3) + "...";
        }

        public override string ToString() => $"{Verdict.ToString().ToUpperInvariant()} {Name} {Reason}";
    }
}
