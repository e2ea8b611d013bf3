using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.Config;
using ArenaInfra.Rendering;

namespace ArenaInfra.Commands
{
    [Cmdlet(VerbsData.Export, "ArenaParticipantKit", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(DirectoryInfo), typeof(FileInfo))]
    public sealed class ExportArenaParticipantKitCommand : FleetExportCmdlet
    {
        /// <summary>The folder to write the kit into; created when missing.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "";

        /// <summary>Also pack the folder into <Path>.zip.</summary>
        [Parameter]
        public SwitchParameter Zip { get; set; }

        /// <summary>Replace files of an earlier kit in the folder.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void EndProcessing()
        {
            var config = EffectiveConfig;
            var folder = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
            // The kit carries the shared private key: its whole purpose is to hand it to participants.
            if (!File.Exists(config.SharedKeyPath))
            {
                ThrowArenaError(new ArenaException(ArenaErrorIds.SshKeyNotFound, ErrorCategory.ObjectNotFound,
                    $"The shared SSH key '{config.SharedKeyPath}' does not exist, so there is no key to hand out.", "Check SharedKeyPath (Get-ArenaConfig)."));
            }
            if (!ShouldProcess(folder, $"Write the {config.Prefix} participant kit, with the shared private key,")) return;

            var options = ParticipantKit.ConfigOptions(config);
            // A proxy config names every machine without asking RunPod; a direct one needs the pods.
            var pods = options.Mode == ArenaSshConfigMode.Proxy ? Array.Empty<ArenaPod>() : Pods();
            var sshConfig = SshConfigRenderer.Render(options, pods, ProxyPortPlan.For(config), name => WriteVerbose($"{name} has no public SSH endpoint yet; it is left out."));
            var files = ParticipantKit.Files(config, sshConfig, $"{config.Prefix}-{config.MachineNames.First()}").ToList();
            var keyName = ParticipantKit.KeyName(config.Prefix);

            try
            {
                Directory.CreateDirectory(folder);
                foreach (var (name, text) in files.Select(f => (f.Key, f.Value)))
                {
                    OutputFile.Write(System.IO.Path.Combine(folder, name), text.Replace("\r\n", "\n"), Force);
                }
                var keyTarget = System.IO.Path.Combine(folder, keyName);
                var keyBytes = File.ReadAllBytes(config.SharedKeyPath);
                if (File.Exists(keyTarget) && !Force && !File.ReadAllBytes(keyTarget).SequenceEqual(keyBytes))
                {
                    throw new ArenaException(ArenaErrorIds.OutputFileExists, ErrorCategory.ResourceExists, $"'{keyTarget}' holds another key; it was not overwritten.", "Add -Force to replace the kit.");
                }
                SafeFile.WriteAllBytes(keyTarget, keyBytes);
                WriteObject(new DirectoryInfo(folder));
                if (Zip)
                {
                    var zip = folder.TrimEnd(System.IO.Path.DirectorySeparatorChar) + ".zip";
                    if (File.Exists(zip))
                    {
                        if (!Force) throw new ArenaException(ArenaErrorIds.OutputFileExists, ErrorCategory.ResourceExists, $"'{zip}' exists; it was not overwritten.", "Add -Force to replace it.");
                        File.Delete(zip);
                    }
                    ZipFile.CreateFromDirectory(folder, zip);
                    SafeFile.OwnerOnly(zip);
                    WriteObject(new FileInfo(zip));
                }
            }
            catch (ArenaException e)
            {
                WriteArenaError(e, folder);
            }
            catch (IOException e)
            {
                WriteArenaError(new ArenaException(ArenaErrorIds.OutputFileWriteFailed, ErrorCategory.WriteError, $"The kit could not be written to '{folder}': {e.Message}", "Check the folder and its permissions."), folder);
            }
        }
    }
}
