using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace ArenaInfra
{
    /// <summary>One participant of the roster, and the machine they work on (two on one machine are a pair).</summary>
    public sealed class ArenaParticipant
    {
        /// <summary>As the roster writes it: "Ada Lovelace".</summary>
        public string Participant { get; internal set; } = "";
        /// <summary>What names them in file names, key comments and kits: "ada-lovelace".</summary>
        public string Id { get; internal set; } = "";
        public string? Email { get; internal set; }
        /// <summary>The machine name (not the pod name): "alpha".</summary>
        public string Machine { get; internal set; } = "";
        /// <summary>The roster file's line this came from.</summary>
        public int Line { get; internal set; }

        public override string ToString() => $"{Participant} ({Machine})";
    }
}
