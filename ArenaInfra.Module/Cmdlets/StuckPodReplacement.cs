using System;
using System.Collections.Generic;
using System.Linq;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Operations;
using ArenaInfra.Pods;
using ArenaInfra.Repair;
using ArenaInfra.Ssh;

namespace ArenaInfra.Cmdlets
{
    /// <summary>
    /// The SSH side of Start-ArenaPod's replacement, from Repair-ArenaPod's parameters in -RepairParameters:
    /// Start-ArenaPod is no SshFleetCmdlet, so this connects as Repair-ArenaPod would, through the same
    /// SshCommandSettings.
    /// </summary>
    internal sealed class StuckPodReplacement
    {
        private readonly ArenaCmdlet _cmdlet;
        private readonly ArenaConfig _config;
        private readonly RepairArenaPodCommand _parameters;

        public StuckPodReplacement(ArenaCmdlet cmdlet, ArenaConfig config, RepairArenaPodCommand parameters)
        {
            _cmdlet = cmdlet;
            _config = config;
            _parameters = parameters;
        }

        public SshSettings OpenSettings() =>
            SshCommandSettings.Open(_config, _parameters.KeyPassphrase, _parameters.HostKeyPolicy, _parameters.ConnectTimeoutSec, _cmdlet.Log);

        public void Release(SshSettings settings) => SshCommandSettings.Release(settings, _cmdlet);

        public PodRoute Route() => SshCommandSettings.Route(_parameters.Via, _config);

        /// <summary>The stuck pods fresh from RunPod (read under the fleet lock), chosen by id as Repair-ArenaPod -Id chooses them.</summary>
        public IReadOnlyList<ArenaPod> Fresh(IReadOnlyList<ArenaPod> stuck, IReadOnlyList<ArenaPod> current)
        {
            var selector = new PodSelector { IncludeOtherPods = _parameters.All };
            selector.Ids.AddRange(stuck.Select(p => p.Id));
            selector.ExcludeNames.AddRange(_parameters.ExcludeName ?? Array.Empty<string>());
            var selection = PodSelection.Select(current, selector, _config.Prefix);
            foreach (var warning in selection.Warnings) _cmdlet.WriteWarning(warning);
            foreach (var (error, target) in selection.Errors) _cmdlet.WriteError(ArenaCmdlet.ToErrorRecord(error, target, _cmdlet.AdviceShown));
            _cmdlet.WriteVerbose(selection.Pods.Count == 0 ? "No pod was chosen." : $"Chosen: {string.Join(", ", selection.Pods.Select(p => p.Name))}.");
            return selection.Pods;
        }
    }
}
