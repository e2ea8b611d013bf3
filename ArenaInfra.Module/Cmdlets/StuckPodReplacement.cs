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
    /// Start-ArenaPod is no SshFleetCmdlet, so this does for it what SshFleetCmdlet.OpenSettings, Release
    /// and Route do for Repair-ArenaPod.
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

        public SshSettings OpenSettings()
        {
            var key = SshKey.Load(_config.SharedKeyPath, _parameters.KeyPassphrase);
            return new SshSettings(key, HostKeyStore.Open(), _cmdlet.Log)
            {
                HostKeyPolicy = _parameters.HostKeyPolicy,
                ConnectTimeout = TimeSpan.FromSeconds(_parameters.ConnectTimeoutSec),
                PreferredKeyExchange = string.Equals(_config.SshKeyExchange, "default", StringComparison.OrdinalIgnoreCase) ? null : _config.SshKeyExchange,
            };
        }

        public void Release(SshSettings settings)
        {
            try
            {
                settings.HostKeys.Save();
            }
            catch (Exception e) when (e is ArenaException || e is System.IO.IOException || e is UnauthorizedAccessException)
            {
                _cmdlet.WriteWarning($"The pods' host keys could not be saved to '{settings.HostKeys.Path}': {e.Message}");
            }
            settings.Key.Dispose();
            var renewed = settings.RenewedHostKeys.Keys.OrderBy(n => n, StringComparer.Ordinal).ToList();
            if (renewed.Count > 0)
            {
                var shown = renewed.Count <= 10 ? string.Join(", ", renewed) : string.Join(", ", renewed.Take(10)) + $" and {renewed.Count - 10} more";
                _cmdlet.WriteInformation($"{renewed.Count} pod{(renewed.Count == 1 ? " has a new host key" : "s have new host keys")} since {(renewed.Count == 1 ? "it" : "they")} restarted, accepted as RunPod makes new keys on restart: {shown}. -Verbose shows the fingerprints.",
                    new[] { "PSHOST", "ArenaInfra", "HostKeys" });
            }
        }

        public PodRoute Route()
        {
            if (_parameters.Via == ArenaSshRoute.Proxy && _config.ProxyHost == null)
            {
                throw new ArenaException(ArenaErrorIds.ProxyHostMissing, System.Management.Automation.ErrorCategory.InvalidArgument,
                    "-Via Proxy needs a proxy, but ProxyHost (SSH_PROXY_HOST) is not set.", "Set SSH_PROXY_HOST in the config file, or leave out -Via.");
            }
            return new PodRoute(_parameters.Via, _config.SshUser, _config.ProxyHost);
        }

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
