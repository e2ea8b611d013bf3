using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;

namespace ArenaInfra.Commands
{
    /// <summary>A cmdlet that writes a file from the fleet's pods: piped pods, or every fleet pod.</summary>
    public abstract class FleetExportCmdlet : ArenaApiCmdlet
    {
        private readonly List<ArenaPod> _piped = new List<ArenaPod>();

        /// <summary>Pods from Get-ArenaPod; without them, every fleet pod.</summary>
        [Parameter(ValueFromPipeline = true)]
        [ValidateNotNull]
        public ArenaPod[]? InputObject { get; set; }

        protected override void ProcessRecord()
        {
            if (InputObject != null) _piped.AddRange(InputObject);
        }

        protected IReadOnlyList<ArenaPod> Pods()
        {
            if (_piped.Count > 0) return _piped;
            return CallRunPod((api, token) => api.ListPodsAsync(token)).Where(p => p.IsFleetPod).ToList();
        }

        /// <summary>Names outside MachineNames get ports that can move: say so where it matters.</summary>
        internal void WarnAboutUnlistedNames(ArenaInfra.Config.ProxyPortPlan plan, IReadOnlyList<ArenaPod> pods)
        {
            foreach (var (machine, port, listed) in plan.Plan(pods.Where(p => p.MachineName != null).Select(p => p.MachineName!)))
            {
                if (!listed) WriteWarning($"'{machine}' is not in MachineNames, so its proxy port ({port}) can change when other such pods come and go; add it to the list to fix it.");
            }
        }

        /// <summary>The fleet's nginx stream config for these pods.</summary>
        internal string RenderNginx(IReadOnlyList<ArenaPod> pods, string logDirectory, string? listenAddress)
        {
            var config = EffectiveConfig;
            var plan = ArenaInfra.Config.ProxyPortPlan.For(config);
            WarnAboutUnlistedNames(plan, pods);
            var options = new ArenaInfra.Rendering.NginxConfigOptions { Prefix = config.Prefix, LogDirectory = logDirectory, ListenAddress = listenAddress };
            return ArenaInfra.Rendering.NginxConfigRenderer.Render(options, pods, plan, name => WriteVerbose($"{name} has no public SSH endpoint yet; it gets no proxy port now."));
        }

        /// <summary>Writes text to -Path through the provider's idea of the path; a refusal is an error, not a throw.</summary>
        protected void WriteOutputFile(string path, string text, bool force, bool passThru)
        {
            var resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
            if (!ShouldProcess(resolved, "Write")) return;
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
