using System;
using System.IO;
using System.Text;
using ArenaInfra.Common.IO;

namespace ArenaInfra.Access
{
    /// <summary>
    /// Installs a fleet's ssh config next to the user's: its own file under ~/.ssh/arena/, and two marked
    /// lines at the top of ~/.ssh/config that include it. The user's bytes are kept as they are.
    /// </summary>
    internal sealed class SshConfigInstallation
    {
        // Latin-1 maps every byte to one char and back, so the user's file survives whatever its encoding.
        private static readonly Encoding Bytes = Encoding.GetEncoding("ISO-8859-1");

        public SshConfigInstallation(string sshDirectory, string prefix)
        {
            SshDirectory = sshDirectory;
            Prefix = prefix;
        }

        public string SshDirectory { get; }
        public string Prefix { get; }
        public string UserConfig => Path.Combine(SshDirectory, "config");
        public string FleetFile => Path.Combine(SshDirectory, "arena", Prefix + ".conf");
        public string KnownHostsFile => Path.Combine(SshDirectory, "arena", Prefix + "_known_hosts");
        public string Backup => UserConfig + ".arena-backup";

        public string InstallAction => $"Install the {Prefix} fleet's ssh config as '{FleetFile}', included from the top of '{UserConfig}'";

        public string UninstallAction => $"Remove the {Prefix} fleet's Include line from '{UserConfig}' and its file '{FleetFile}'";

        /// <summary>What Install did, in a line.</summary>
        public string InstallOutcome((bool FleetFileChanged, bool UserConfigChanged) changed) =>
            $"{FleetFile}: {(changed.FleetFileChanged ? "written" : "up to date")}; {UserConfig}: {(changed.UserConfigChanged ? $"Include added (the previous file is kept as {Backup})" : "already includes it")}.";

        /// <summary>What Uninstall did, in a line.</summary>
        public string UninstallOutcome(bool removed) => removed ? $"Removed the {Prefix} fleet's ssh config." : $"The {Prefix} fleet's ssh config was not installed.";

        /// <summary>Writes the fleet file and the Include; returns what changed.</summary>
        public (bool FleetFileChanged, bool UserConfigChanged) Install(string fleetText)
        {
            SafeFile.CreatePrivateDirectory(SshDirectory);
            SafeFile.CreatePrivateDirectory(Path.GetDirectoryName(FleetFile)!);
            var fleetChanged = !File.Exists(FleetFile) || File.ReadAllText(FleetFile) != fleetText;
            if (fleetChanged) SafeFile.WriteAllText(FleetFile, fleetText);
            var configChanged = Rewrite(text => SshConfigInclude.Install(text, Latin1View(Prefix), Latin1View(FleetFile)));
            return (fleetChanged, configChanged);
        }

        /// <summary>Removes exactly what Install added; returns whether anything was there.</summary>
        public bool Uninstall()
        {
            var changed = File.Exists(UserConfig) && Rewrite(text => SshConfigInclude.Remove(text ?? "", Latin1View(Prefix)));
            foreach (var file in new[] { FleetFile, KnownHostsFile })
            {
                if (File.Exists(file))
                {
                    File.Delete(file);
                    changed = true;
                }
            }
            return changed;
        }

        private bool Rewrite(System.Func<string?, string> change)
        {
            var exists = File.Exists(UserConfig);
            var before = exists ? Bytes.GetString(File.ReadAllBytes(UserConfig)) : null;
            const string bom = "\u00EF\u00BB\u00BF";
            var hasBom = before != null && before.StartsWith(bom, System.StringComparison.Ordinal);
            var body = hasBom ? before!.Substring(bom.Length) : before;
            var after = change(body);
            if (hasBom) after = bom + after;
            if (after == (before ?? "")) return false;
            if (exists) File.Copy(UserConfig, Backup, overwrite: true);
            SafeFile.WriteAllBytes(UserConfig, Bytes.GetBytes(after));
            return true;
        }

        /// <summary>Our own text as UTF-8 bytes seen through Latin-1, like the user's file: a path may have any character.</summary>
        private static string Latin1View(string text) => Bytes.GetString(new UTF8Encoding(false).GetBytes(text));
    }
}
