using System;

namespace ArenaInfra
{
    /// <summary>What Export-ArenaStatusPage wrote: where, for how many machines, and how they stood.</summary>
    public sealed class ArenaStatusPageResult
    {
        /// <summary>The folder that holds the page.</summary>
        public string Path { get; internal set; } = "";
        /// <summary>The page: index.html.</summary>
        public string PagePath { get; internal set; } = "";
        /// <summary>The data the page reads: status.json.</summary>
        public string StatusPath { get; internal set; } = "";
        public int Machines { get; internal set; }
        public int Up { get; internal set; }
        public int Starting { get; internal set; }
        public int Down { get; internal set; }
        /// <summary>The time written into status.json, from which the page judges it stale.</summary>
        public DateTimeOffset WrittenAt { get; internal set; }

        public override string ToString() => $"{Machines} machines ({Up} up, {Starting} starting, {Down} down) in {Path}";
    }
}
