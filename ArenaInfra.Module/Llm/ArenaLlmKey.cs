using System;

namespace ArenaInfra
{
    /// <summary>One of the program's OpenRouter keys, as Get-ArenaLlmKey lists it. It never holds the key itself.</summary>
    public sealed class ArenaLlmKey
    {
        internal ArenaLlmKey(string name, string? machineName, string hash, string label, decimal? limitUsd, decimal usageUsd, bool disabled, DateTimeOffset? createdAt)
        {
            NameRaw = name;
            Name = TerminalText.SafeLine(name);
            MachineName = machineName == null ? null : TerminalText.SafeLine(machineName);
            Hash = hash;
            Label = TerminalText.SafeLine(label);
            LimitUsd = limitUsd;
            UsageUsd = usageUsd;
            Disabled = disabled;
            CreatedAt = createdAt;
        }

        /// <summary>The key's name, &lt;prefix&gt;-&lt;machine&gt;, terminal-safe (it comes from OpenRouter).</summary>
        public string Name { get; }
        /// <summary>The name as OpenRouter sent it.</summary>
        public string NameRaw { get; }
        public string? MachineName { get; }
        /// <summary>OpenRouter's id of the key: what Remove-ArenaLlmKey -Hash takes.</summary>
        public string Hash { get; }
        /// <summary>OpenRouter's masked form of the key (sk-or-v1-0e6...1c96), terminal-safe.</summary>
        public string Label { get; }
        /// <summary>The spending limit in US dollars; null for none.</summary>
        public decimal? LimitUsd { get; }
        /// <summary>What the key has spent so far, in US dollars.</summary>
        public decimal UsageUsd { get; }
        public bool Disabled { get; }
        public DateTimeOffset? CreatedAt { get; }

        public override string ToString() => $"{Name} ({Hash})";
    }

    /// <summary>What an LLM key command did for one machine.</summary>
    public enum ArenaLlmKeyAction
    {
        /// <summary>A key was made and placed on the pod.</summary>
        Created,
        /// <summary>The machine had its key already; nothing was changed.</summary>
        AlreadyPresent,
        /// <summary>The old key was revoked (seen gone) and a new one made and placed on the pod.</summary>
        Rotated,
        /// <summary>The key was revoked and seen gone.</summary>
        Removed,
        /// <summary>Nothing could be done, or what was done was undone: see ErrorId, Error and Fix.</summary>
        Failed,
    }

    /// <summary>One machine's result of New-, Reset- or Remove-ArenaLlmKey. The key itself is never in it.</summary>
    public sealed class ArenaLlmKeyResult
    {
        private string _name = "";
        /// <summary>The key's name, &lt;prefix&gt;-&lt;machine&gt; (the pod's name), terminal-safe (Remove-ArenaLlmKey's come from OpenRouter).</summary>
        public string Name { get => _name; internal set => _name = TerminalText.SafeLine(value); }
        public ArenaLlmKeyAction Action { get; internal set; }
        /// <summary>The hash of the key made, kept or revoked; null when none was.</summary>
        public string? Hash { get; internal set; }
        private string? _label;
        /// <summary>OpenRouter's masked form of the key, terminal-safe.</summary>
        public string? Label { get => _label; internal set => _label = value == null ? null : TerminalText.SafeLine(value); }
        public decimal? LimitUsd { get; internal set; }
        /// <summary>The variable the key was put in on the pod (in ~/.bashrc and ~/.zshrc); null when it was not placed.</summary>
        public string? Variable { get; internal set; }
        /// <summary>The hash of the key a rotation revoked.</summary>
        public string? RevokedHash { get; internal set; }
        public bool Succeeded { get; internal set; }
        public string? ErrorId { get; internal set; }
        private string? _error;
        public string? Error { get => _error; internal set => _error = value == null ? null : TerminalText.SafeLine(value); }
        /// <summary>The command that finishes the job, when something is left to do.</summary>
        public string? Fix { get; internal set; }

        public override string ToString() => $"{Name}: {Action}{(Hash == null ? "" : $" ({Hash})")}{(Error == null ? "" : $": {Error}")}";
    }
}
