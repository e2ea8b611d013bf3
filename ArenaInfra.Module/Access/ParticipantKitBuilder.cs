using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ArenaInfra.Proxy;

namespace ArenaInfra.Access
{
    /// <summary>
    /// Export-ArenaParticipantKit's kits: the one kit with the shared key, or in roster mode one a
    /// participant with their own key and a config naming their machine only (never the shared key).
    /// Each kit is built once, in memory, and that one build is what is written, folder and zip alike.
    /// </summary>
    internal sealed class ParticipantKitBuilder
    {
        private readonly ArenaConfig _config;

        private ParticipantKitBuilder(ArenaConfig config, string action, string caption, IReadOnlyList<ParticipantKitOrder> kits)
        {
            _config = config;
            Action = action;
            Caption = caption;
            Kits = kits;
        }

        /// <summary>What would be written, for -WhatIf and the prompt.</summary>
        public string Action { get; }
        public string Caption { get; }
        public IReadOnlyList<ParticipantKitOrder> Kits { get; }

        /// <summary>A direct config names each pod's own address, so it needs the pods; a proxy config names every machine without asking RunPod.</summary>
        public bool NeedsPods => ParticipantKit.ConfigOptions(_config).Mode != ArenaSshConfigMode.Proxy;

        /// <summary>The one kit with the shared key, into folder; SshKeyNotFound when there is no key to hand out.</summary>
        public static ParticipantKitBuilder Shared(ArenaConfig config, string folder)
        {
            if (!File.Exists(config.SharedKeyPath))
            {
                throw new ArenaException(ArenaErrorIds.SshKeyNotFound, System.Management.Automation.ErrorCategory.ObjectNotFound,
                    $"The shared SSH key '{config.SharedKeyPath}' does not exist, so there is no key to hand out.", "Check SharedKeyPath (Get-ArenaConfig).");
            }
            return new ParticipantKitBuilder(config,
                $"Write the {config.Prefix} participant kit, with the shared private key, to '{folder}'", "Write the participant kit",
                new[] { new ParticipantKitOrder(folder, null, config.SharedKeyPath, null, $"{config.Prefix}-{config.MachineNames.First()}") });
        }

        /// <summary>A kit in folder/&lt;id&gt; for each participant who has a key.</summary>
        public static ParticipantKitBuilder ForRoster(ArenaConfig config, RosterAccess access, string folder)
        {
            var kits = access.Participants.Where(p => access.Keys.ContainsKey(p.Id))
                .Select(p => new ParticipantKitOrder(Path.Combine(folder, p.Id), p.Participant, access.Keys[p.Id].PrivateKeyPath, p.Machine, $"{config.Prefix}-{p.Machine}"))
                .ToList();
            return new ParticipantKitBuilder(config,
                $"Write a kit for each of {kits.Count} participant(s), each with their own private key, to '{folder}'", "Write the participant kits", kits);
        }

        /// <summary>The kit's files as they will be written: the config for these pods, the installers, the README and the key.</summary>
        public BuiltParticipantKit Build(ParticipantKitOrder kit, IReadOnlyList<ArenaPod> pods, Action<string> verbose, Action<string> warning)
        {
            var options = ParticipantKit.ConfigOptions(_config);
            options.OnlyMachine = kit.Machine;
            var sshConfig = SshConfigRenderer.Render(options, NeedsPods ? pods : Array.Empty<ArenaPod>(), ProxyPortPlan.For(_config),
                name => verbose($"{name} has no public SSH endpoint yet; it is left out."), warning);
            var texts = ParticipantKit.Files(_config, sshConfig, kit.ExampleHost).ToDictionary(f => f.Key, f => f.Value.Replace("\r\n", "\n"));
            return new BuiltParticipantKit(kit.Folder, texts, ParticipantKit.KeyName(_config.Prefix), File.ReadAllBytes(kit.KeyPath));
        }

        /// <summary>Builds the kit and writes it; returns the zip's path when one was made.</summary>
        public string? Write(ParticipantKitOrder kit, IReadOnlyList<ArenaPod> pods, bool force, bool zip, Action<string> verbose, Action<string> warning) =>
            ParticipantKitWriter.Write(Build(kit, pods, verbose, warning), force, zip);
    }

    /// <summary>One kit to make: where, for whom, with which key, naming which machine.</summary>
    internal sealed class ParticipantKitOrder
    {
        public ParticipantKitOrder(string folder, string? participant, string keyPath, string? machine, string exampleHost)
        {
            Folder = folder;
            Participant = participant;
            KeyPath = keyPath;
            Machine = machine;
            ExampleHost = exampleHost;
        }

        public string Folder { get; }
        /// <summary>The participant's name; null for the kit with the shared key.</summary>
        public string? Participant { get; }
        public string KeyPath { get; }
        /// <summary>The only machine the config names; null for the whole fleet.</summary>
        public string? Machine { get; }
        /// <summary>The host the README's example connects to.</summary>
        public string ExampleHost { get; }

        /// <summary>The error for a kit the file system would not take.</summary>
        public ArenaException WriteFailed(IOException e) => new ArenaException(ArenaErrorIds.OutputFileWriteFailed, System.Management.Automation.ErrorCategory.WriteError,
            Participant == null ? $"The kit could not be written to '{Folder}': {e.Message}" : $"{Participant}'s kit could not be written to '{Folder}': {e.Message}",
            "Check the folder and its permissions.");
    }

    /// <summary>A kit as built: its folder, its text files (LF line ends) and its key's name and bytes.</summary>
    internal sealed class BuiltParticipantKit
    {
        public BuiltParticipantKit(string folder, IReadOnlyDictionary<string, string> texts, string keyName, byte[] key)
        {
            Folder = folder;
            Texts = texts;
            KeyName = keyName;
            Key = key;
        }

        public string Folder { get; }
        public IReadOnlyDictionary<string, string> Texts { get; }
        public string KeyName { get; }
        public byte[] Key { get; }
    }
}
