using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;

namespace ArenaInfra
{
    /// <summary>A participant's own key pair, kept in the organiser's owner-only folder.</summary>
    public sealed class ArenaParticipantKey
    {
        public string Participant { get; internal set; } = "";
        public string Id { get; internal set; } = "";
        public string Machine { get; internal set; } = "";
        public string PrivateKeyPath { get; internal set; } = "";
        /// <summary>The public half, one authorized_keys line: "ssh-ed25519 AAAA... arena:ada-lovelace".</summary>
        public string PublicKey { get; internal set; } = "";
        /// <summary>True when this run made it; false when it existed and was left as it was.</summary>
        public bool Created { get; internal set; }
    }
}
