using System;

namespace ArenaInfra
{
    /// <summary>One line of a pod's log (Get-ArenaPodLog): the container's output or the host's own lifecycle lines.</summary>
    public sealed class ArenaPodLogLine
    {
        public string Name { get; internal set; } = "";
        public string? MachineName { get; internal set; }
        public string PodId { get; internal set; } = "";
        /// <summary>container (the pod's own output) or system (the host's lifecycle: pulling the image, starting the container).</summary>
        public string Source { get; internal set; } = "container";
        public DateTimeOffset? Time { get; internal set; }
        private string _line = "";

        /// <summary>The line, terminal-safe (TerminalText): what a pod prints is its participants' to choose. LineRaw holds it as it came.</summary>
        public string Line { get => TerminalText.Safe(_line); internal set => _line = value; }
        /// <summary>The line exactly as RunPod sent it, escape sequences and all: not for a terminal.</summary>
        public string LineRaw => _line;

        public override string ToString() => $"{TerminalText.SafeLine(Name)}: {Line}";
    }
}
