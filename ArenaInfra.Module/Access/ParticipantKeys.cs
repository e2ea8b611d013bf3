using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using ArenaInfra.Common;
using ArenaInfra.Common.IO;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;

namespace ArenaInfra.Access
{
    /// <summary>
    /// The participants' keys: ed25519, written in OpenSSH's own format (what ssh, ssh-keygen and VS Code
    /// read) by the process itself with BouncyCastle, the library SSH.NET already brings. An existing key
    /// is never overwritten: a participant who has their kit keeps working.
    /// </summary>
    internal sealed class ParticipantKeys
    {
        public ParticipantKeys(string folder)
        {
            Folder = folder;
        }

        public string Folder { get; }

        /// <summary>The comment that names a participant's key in authorized_keys, so a sync knows whose line is whose.</summary>
        public static string Comment(string id) => "arena:" + id;

        public string PrivatePath(ArenaParticipant p) => UntrustedValue.PathUnder(Folder, new[] { p.Id });

        /// <summary>The participant's key, made when there is none.</summary>
        public ArenaParticipantKey Ensure(ArenaParticipant participant)
        {
            var path = PrivatePath(participant);
            var created = false;
            if (!File.Exists(path))
            {
                SafeFile.CreatePrivateDirectory(Folder);
                var (privateText, publicLine) = Generate(Comment(participant.Id));
                // The public half first: a crash between the two leaves no private key without its .pub.
                SafeFile.WriteAllText(path + ".pub", publicLine + "\n");
                SafeFile.WriteAllText(path, privateText);
                created = true;
            }
            return Describe(participant, path, created);
        }

        /// <summary>The participant's key as it is, or null when they have none yet.</summary>
        public ArenaParticipantKey? Find(ArenaParticipant participant)
        {
            var path = PrivatePath(participant);
            return File.Exists(path) && File.Exists(path + ".pub") ? Describe(participant, path, false) : null;
        }

        private static ArenaParticipantKey Describe(ArenaParticipant participant, string path, bool created) => new ArenaParticipantKey
        {
            Participant = participant.Participant,
            Id = participant.Id,
            Machine = participant.Machine,
            PrivateKeyPath = path,
            PublicKey = File.ReadAllText(path + ".pub").Trim(),
            Created = created,
        };

        /// <summary>A new ed25519 pair: the private key in openssh-key-v1 (unencrypted, as ssh-keygen -N '' writes it) and the public line.</summary>
        internal static (string PrivateKey, string PublicLine) Generate(string comment)
        {
            var generator = new Ed25519KeyPairGenerator();
            generator.Init(new Ed25519KeyGenerationParameters(new Org.BouncyCastle.Security.SecureRandom()));
            var pair = generator.GenerateKeyPair();
            var seed = ((Ed25519PrivateKeyParameters)pair.Private).GetEncoded();
            var pub = ((Ed25519PublicKeyParameters)pair.Public).GetEncoded();

            var publicBlob = new SshWriter().String("ssh-ed25519").Bytes(pub).ToArray();
            var check = new byte[4];
            using (var random = RandomNumberGenerator.Create()) random.GetBytes(check);
            var secret = new byte[64];
            Array.Copy(seed, secret, 32);
            Array.Copy(pub, 0, secret, 32, 32);
            var inner = new SshWriter().Raw(check).Raw(check).String("ssh-ed25519").Bytes(pub).Bytes(secret).String(comment);
            // Padded with 1, 2, 3, ... to the cipher's block size (8 for "none").
            for (byte i = 1; inner.Length % 8 != 0; i++) inner.Raw(new[] { i });
            var body = new SshWriter().Raw(Encoding.ASCII.GetBytes("openssh-key-v1\0")).String("none").String("none").String("").UInt32(1)
                .Bytes(publicBlob).Bytes(inner.ToArray()).ToArray();
            Array.Clear(seed, 0, seed.Length);
            Array.Clear(secret, 0, secret.Length);

            var text = new StringBuilder("-----BEGIN OPENSSH PRIVATE KEY-----\n");
            var base64 = Convert.ToBase64String(body);
            for (var i = 0; i < base64.Length; i += 70) text.Append(base64, i, Math.Min(70, base64.Length - i)).Append('\n');
            text.Append("-----END OPENSSH PRIVATE KEY-----\n");
            return (text.ToString(), $"ssh-ed25519 {Convert.ToBase64String(publicBlob)} {comment}");
        }

        /// <summary>SSH's wire encoding: big-endian lengths, then the bytes.</summary>
        private sealed class SshWriter
        {
            private readonly MemoryStream _stream = new MemoryStream();

            public long Length => _stream.Length;

            public SshWriter Raw(byte[] bytes)
            {
                _stream.Write(bytes, 0, bytes.Length);
                return this;
            }

            public SshWriter UInt32(uint value) => Raw(new[] { (byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value });

            public SshWriter Bytes(byte[] bytes) => UInt32((uint)bytes.Length).Raw(bytes);

            public SshWriter String(string text) => Bytes(Encoding.UTF8.GetBytes(text));

            public byte[] ToArray() => _stream.ToArray();
        }
    }
}
