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
            try
            {
                return SshCommandSettings.Open(EffectiveConfig, KeyPassphrase, HostKeyPolicy, ConnectTimeoutSec, Log, keyPath, hostKeys);
            }
            catch (ArenaException e)
            {
                throw Terminating(e);
            }
        }

        /// <summary>How this command reaches pods: -Via, with the proxy from the config.</summary>
        internal PodRoute Route()
        {
            try
            {
                return SshCommandSettings.Route(Via, EffectiveConfig);
            }
            catch (ArenaException e)
            {
                throw Terminating(e);
            }
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
        internal void Release(SshSettings settings) => SshCommandSettings.Release(settings, this);
    }
}
