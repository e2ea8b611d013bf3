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
        public string Line { get; internal set; } = "";

        public override string ToString() => $"{Name}: {Line}";
    }
}
