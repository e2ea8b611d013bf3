using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Security;
using ArenaInfra.Operations;
using ArenaInfra.Ssh;

namespace ArenaInfra.Cmdlets.Base
{
    /// <summary>
    /// A pod command that works over SSH: its pods are chosen as every pod command's are, and each is
    /// worked on by one PodOperation through the one fleet runner: the shared key loaded once before
    /// any connection, host keys checked, bounded parallelism, one result a pod written as it arrives,
    /// and a summary at the end that is shown when a pod failed.
    /// </summary>
    public abstract class SshFleetCmdlet : PodCmdlet
    {
        [PSDefaultValue(Help = "0, for the config's ThrottleLimit (32 unless set)")]
        [Parameter]
        [ValidateRange(0, 256)]
        public int ThrottleLimit { get; set; }

        [Parameter]
        [ValidateRange(1, 600)]
        public int ConnectTimeoutSec { get; set; } = 10;

        [Parameter]
        public ArenaHostKeyPolicy HostKeyPolicy { get; set; } = ArenaHostKeyPolicy.AcceptNew;

        [Parameter]
        public SecureString? KeyPassphrase { get; set; }

        [Parameter]
        public ArenaSshRoute Via { get; set; } = ArenaSshRoute.Direct;

        protected int EffectiveThrottle
        {
            get
            {
                // One truth: what Get-ArenaConfig shows is what is used.
                return ThrottleLimit > 0 ? ThrottleLimit : EffectiveConfig.ThrottleLimit;
            }
        }

        /// <summary>Loads the key (a terminating SshKeyNotFound if it cannot be) and the host-key store.</summary>
        internal SshSettings OpenSettings(string? keyPath = null, HostKeyStore? hostKeys = null)
        {
            var config = EffectiveConfig;
            try
            {
                // Another key than the shared one (a participant's, to check what they can reach) is never encrypted.
                var key = keyPath == null ? SshKey.Load(config.SharedKeyPath, KeyPassphrase) : SshKey.Load(keyPath, null);
                return new SshSettings(key, hostKeys ?? HostKeyStore.Open(), Log)
                {
                    HostKeyPolicy = HostKeyPolicy,
                    ConnectTimeout = TimeSpan.FromSeconds(ConnectTimeoutSec),
                    PreferredKeyExchange = string.Equals(config.SshKeyExchange, "default", StringComparison.OrdinalIgnoreCase) ? null : config.SshKeyExchange,
                };
            }
            catch (ArenaException e)
            {
                throw Terminating(e);
            }
        }

        /// <summary>How this command reaches pods: -Via, with the proxy from the config.</summary>
        internal PodRoute Route()
        {
            var config = EffectiveConfig;
            if (Via == ArenaSshRoute.Proxy && config.ProxyHost == null)
            {
                ThrowArenaError(new ArenaException(ArenaErrorIds.ProxyHostMissing, ErrorCategory.InvalidArgument,
                    "-Via Proxy needs a proxy, but ProxyHost (SSH_PROXY_HOST) is not set.", "Set SSH_PROXY_HOST in the config file, or leave out -Via."));
            }
            return new PodRoute(Via, config.SshUser, config.ProxyHost);
        }

        /// <summary>
        /// Runs the operation on every pod (loading the key only when a pod can be reached), emits each
        /// result as it arrives, and ends with the summary. Returns the results.
        /// </summary>
        internal List<T> RunOperation<T>(IReadOnlyList<ArenaPod> pods, PodOperation<T> operation, Action<T> emit, string done,
            Func<IReadOnlyList<T>, object>? summarize = null)
            where T : ArenaPodOperationResult, new()
        {
            if (pods.Count == 0) return new List<T>();
            var route = Route();
            SshSettings? settings = pods.Any(p => p.Status == ArenaPodStatus.Running) ? OpenSettings() : null;
            try
            {
                var results = RunOperation(pods, operation, route, settings, emit);
                var summary = summarize != null ? summarize(results) : ArenaBatchSummary.Of(MyInvocation.MyCommand.Name, done, results);
                WriteSummary(summary, results.Any(r => !r.Succeeded));
                return results;
            }
            finally
            {
                if (settings != null) Release(settings);
            }
        }

        /// <summary>One round of the operation over the pods with settings the caller keeps (Get-ArenaPodGpu -Watch).</summary>
        internal List<T> RunOperation<T>(IReadOnlyList<ArenaPod> pods, PodOperation<T> operation, PodRoute route, SshSettings? settings, Action<T> emit,
            int? throttle = null)
            where T : ArenaPodOperationResult, new()
        {
            WarnIfHostKeysIgnored();
            WriteVerbose($"{operation.Activity}: {pods.Count} pod{(pods.Count == 1 ? "" : "s")}, at most {throttle ?? EffectiveThrottle} at once.");
            var results = new List<T>();
            // Shown at once, not when the first pod finishes, with the pods still at work named.
            var progress = new BatchProgress(WriteProgress, operation.Activity, pods.Count, atWork: pods.Select(p => p.Name));
            progress.Show(0);
            try
            {
                Run(async token =>
                {
                    await PodOperationRunner.RunAsync(pods, operation, route, settings!, throttle ?? EffectiveThrottle, token, result => Post(() =>
                    {
                        progress.Finished(result.Name);
                        results.Add(result);
                        WriteVerbose(result.Succeeded ? $"{result.Name}: done in {result.Duration.TotalSeconds:0.00} s." : $"{result.Name}: failed at {result.FailedStep}: {result.Error}");
                        emit(result);
                    })).ConfigureAwait(false);
                    return true;
                });
            }
            finally
            {
                progress.Complete();
            }
            return results;
        }

        private bool _warnedIgnore;

        private void WarnIfHostKeysIgnored()
        {
            if (HostKeyPolicy != ArenaHostKeyPolicy.Ignore || _warnedIgnore) return;
            WriteWarning("-HostKeyPolicy Ignore accepts any host key, as the old scripts did: a connection could be intercepted unnoticed.");
            _warnedIgnore = true;
        }

        /// <summary>Keeps the host keys learnt on record and lets the private key go.</summary>
        internal void Release(SshSettings settings)
        {
            try
            {
                settings.HostKeys.Save();
            }
            catch (Exception e) when (e is ArenaException || e is System.IO.IOException || e is UnauthorizedAccessException)
            {
                WriteWarning($"The pods' host keys could not be saved to '{settings.HostKeys.Path}': {e.Message}");
            }
            settings.Key.Dispose();
            // After a restart every pod has a new key: one line for the fleet, the fingerprints in Verbose.
            var renewed = settings.RenewedHostKeys.Keys.OrderBy(n => n, StringComparer.Ordinal).ToList();
            if (renewed.Count > 0)
            {
                var shown = renewed.Count <= 10 ? string.Join(", ", renewed) : string.Join(", ", renewed.Take(10)) + $" and {renewed.Count - 10} more";
                WriteInformation($"{renewed.Count} pod{(renewed.Count == 1 ? " has a new host key" : "s have new host keys")} since {(renewed.Count == 1 ? "it" : "they")} restarted, accepted as RunPod makes new keys on restart: {shown}. -Verbose shows the fingerprints.",
                    new[] { "PSHOST", "ArenaInfra", "HostKeys" });
            }
        }
    }
}
