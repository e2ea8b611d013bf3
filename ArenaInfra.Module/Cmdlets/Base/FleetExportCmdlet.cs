using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using ArenaInfra.Common.IO;
using ArenaInfra.Proxy;

namespace ArenaInfra.Cmdlets.Base
{
    /// <summary>
    /// A pod command that writes a file from the chosen pods (every fleet pod when none is chosen).
    /// Fed by an empty pipeline it writes nothing. -Path is named, since position 0 is -Name as for
    /// every pod command.
    /// </summary>
    public abstract class FleetExportCmdlet : PodCmdlet
    {
        protected override PodDefault WhenNothingChosen => PodDefault.Fleet;

        /// <summary>The fleet's nginx stream config for these pods.</summary>
        internal string RenderNginx(IReadOnlyList<ArenaPod> pods, string logDirectory, string? listenAddress)
        {
            try
            {
                return NginxConfigRenderer.ForFleet(EffectiveConfig, pods, logDirectory, listenAddress, WriteWarning,
                    name => WriteVerbose($"{name} has no public SSH endpoint yet; it gets no proxy port now."));
            }
            catch (ArenaException e)
            {
                throw Terminating(e);
            }
        }

        /// <summary>Writes text to -Path through the provider's idea of the path; a refusal is an error, not a throw.</summary>
        protected void WriteOutputFile(string path, string text, bool force, bool passThru)
        {
            var resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
            if (!ConfirmBatch($"Write '{resolved}'", $"Write '{resolved}'?", "Write a file", force: false, askUnlessForced: false)) return;
            try
            {
                var changed = OutputFile.Write(resolved, text, force);
                WriteVerbose(changed ? $"Wrote '{resolved}'." : $"'{resolved}' is up to date.");
                if (passThru) WriteObject(new FileInfo(resolved));
            }
            catch (ArenaException e)
            {
                WriteArenaError(e, path);
            }
            catch (IOException e)
            {
                WriteArenaError(new ArenaException(ArenaErrorIds.OutputFileWriteFailed, ErrorCategory.WriteError, $"'{resolved}' cannot be written: {e.Message}", "Check the folder and its permissions."), path);
            }
        }
    }
}
