using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Security;
using System.Threading;
using ArenaInfra.RunPod;
using ArenaInfra.Ssh;

namespace ArenaInfra.Commands
{
    /// <summary>
    /// A cmdlet that works on pods over SSH through the one fleet engine: pods from the pipeline or by
    /// name, the shared key loaded once before any connection, host keys checked, bounded parallelism
    /// on dedicated threads, results written on the pipeline thread as each pod finishes.
    /// </summary>
    public abstract class SshFleetCmdlet : ArenaApiCmdlet
    {
        protected const string InputObjectSet = "InputObject";
        protected const string NameSet = "Name";

        private readonly List<ArenaPod> _pods = new List<ArenaPod>();
        private readonly List<string> _names = new List<string>();

        [Parameter(ParameterSetName = InputObjectSet, Mandatory = true, ValueFromPipeline = true)]
        [ValidateNotNull]
        public ArenaPod[]? InputObject { get; set; }

        [Parameter(ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PodNameCompleter))]
        public string[]? Name { get; set; }

        /// <summary>Machine or pod names (wildcards allowed) to leave out.</summary>
        [Parameter]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PodNameCompleter))]
        public string[]? ExcludeName { get; set; }

        /// <summary>Pods at once; 0 means ThrottleLimit from the config file when it sets one, else 32.</summary>
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

        /// <summary>Reach pods directly (their public IP and port) or through the proxy, as participants do.</summary>
        [Parameter]
        public ArenaSshRoute Via { get; set; } = ArenaSshRoute.Direct;

        protected override void ProcessRecord()
        {
            if (InputObject != null) _pods.AddRange(InputObject);
            if (Name != null) _names.AddRange(Name);
        }

        /// <summary>The pods to work on: the piped objects as they are, or the named pods from one fresh list.</summary>
        protected IReadOnlyList<ArenaPod> ChosenPods()
        {
            var excluded = (ExcludeName ?? new string[0]).Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
            if (ParameterSetName == InputObjectSet) return _pods.Where(p => !excluded.Any(x => PodSelection.Matches(x, p))).ToList();
            var current = CallRunPod((api, token) => api.ListPodsAsync(token));
            var selector = new PodSelector();
            selector.Names.AddRange(_names);
            selector.ExcludeNames.AddRange(ExcludeName ?? new string[0]);
            var selection = PodSelection.Select(current, selector, EffectiveConfig.Prefix);
            foreach (var (error, target) in selection.Errors) WriteArenaError(error, target);
            return selection.Pods;
        }

        protected int EffectiveThrottle
        {
            get
            {
                if (ThrottleLimit > 0) return ThrottleLimit;
                var config = EffectiveConfig;
                return config.GetSource("ThrottleLimit").Kind == ArenaConfigSourceKind.Default ? 32 : config.ThrottleLimit;
            }
        }

        /// <summary>Loads the key (a terminating SshKeyNotFound if it cannot be) and the host-key store.</summary>
        internal SshSettings OpenSettings()
        {
            var config = EffectiveConfig;
            try
            {
                var key = SshKey.Load(config.SharedKeyPath, KeyPassphrase);
                return new SshSettings(key, HostKeyStore.Open(), Log)
                {
                    HostKeyPolicy = HostKeyPolicy,
                    ConnectTimeout = TimeSpan.FromSeconds(ConnectTimeoutSec),
                    PreferredKeyExchange = string.Equals(config.SshKeyExchange, "default", StringComparison.OrdinalIgnoreCase) ? null : config.SshKeyExchange,
                };
            }
            catch (ArenaException e)
            {
                ThrowArenaError(e);
                throw;
            }
        }

        /// <summary>Runs work for every target in parallel; onDone runs on the pipeline thread as each finishes.</summary>
        internal void RunFleet<T>(SshSettings settings, IReadOnlyList<SshTarget> targets, int throttle, string activity,
            Func<SshTarget, CancellationToken, T> work, Action<SshTarget, T> onDone, bool release = true)
        {
            if (HostKeyPolicy == ArenaHostKeyPolicy.Ignore && targets.Count > 0 && !_warnedIgnore)
            {
                WriteWarning("-HostKeyPolicy Ignore accepts any host key, as the old scripts did: a connection could be intercepted unnoticed.");
                _warnedIgnore = true;
            }
            var done = 0;
            var progress = new ProgressRecord(ActivityId(activity), activity, $"0 of {targets.Count} done");
            try
            {
                Run(async token =>
                {
                    await SshFleetRunner.RunAsync(targets, throttle, token, work, (target, result) => Post(() =>
                    {
                        done++;
                        progress.StatusDescription = $"{done} of {targets.Count} done";
                        progress.PercentComplete = done * 100 / Math.Max(1, targets.Count);
                        WriteProgress(progress);
                        onDone(target, result);
                    })).ConfigureAwait(false);
                    return true;
                });
            }
            finally
            {
                progress.RecordType = ProgressRecordType.Completed;
                WriteProgress(progress);
                if (release) Release(settings);
            }
        }

        private bool _warnedIgnore;

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
        }

        /// <summary>Pods that cannot be reached are errors for the day-to-day commands: nothing was done there.</summary>
        internal List<SshTarget> ReachableTargets(IEnumerable<ArenaPod> pods) => Targets(pods,
            pod => WriteArenaError(new ArenaException(ArenaErrorIds.PodNotRunning, ErrorCategory.ResourceUnavailable,
                $"The pod '{pod.Name}' is {pod.Status}; nothing was done there.", "Start it (Start-ArenaPod) and wait for it (Wait-ArenaPod)."), pod),
            pod => WriteArenaError(NoEndpoint(pod), pod));

        /// <summary>Writes one pod's result, with a Verbose line saying how it went.</summary>
        internal void EmitResult(ArenaPodOperationResult result)
        {
            WriteVerbose(result.Succeeded ? $"{result.Name}: done in {result.Duration.TotalSeconds:0.0} s." : $"{result.Name}: failed at {result.FailedStep}: {result.Error}");
            WriteObject(result);
        }

        /// <summary>Targets for running pods with an endpoint; the rest are handed to the callbacks.</summary>
        internal List<SshTarget> Targets(IEnumerable<ArenaPod> pods, Action<ArenaPod> notRunning, Action<ArenaPod> noEndpoint)
        {
            var config = EffectiveConfig;
            if (Via == ArenaSshRoute.Proxy && config.ProxyHost == null)
            {
                ThrowArenaError(new ArenaException(ArenaErrorIds.ProxyHostMissing, ErrorCategory.InvalidArgument,
                    "-Via Proxy needs a proxy, but ProxyHost (SSH_PROXY_HOST) is not set.", "Set SSH_PROXY_HOST in the config file, or leave out -Via."));
            }
            var targets = new List<SshTarget>();
            foreach (var pod in pods.GroupBy(p => p.Id).Select(g => g.First()))
            {
                if (pod.Status != ArenaPodStatus.Running) { notRunning(pod); continue; }
                var target = Via == ArenaSshRoute.Proxy ? SshTarget.ViaProxy(pod, config.ProxyHost!, config.SshUser) : SshTarget.Direct(pod, config.SshUser);
                if (target == null) noEndpoint(pod);
                else targets.Add(target);
            }
            return targets;
        }

        internal ArenaException NoEndpoint(ArenaPod pod) => Via == ArenaSshRoute.Proxy
            ? new ArenaException(ArenaErrorIds.PodEndpointMissing, ErrorCategory.InvalidArgument,
                $"The pod '{pod.Name}' has no proxy port.", "Pass pods from Get-ArenaPod, which gives every fleet pod its port.", target: pod)
            : new ArenaException(ArenaErrorIds.PodEndpointMissing, ErrorCategory.InvalidArgument,
                $"The pod '{pod.Name}' says it is Running but has no public SSH endpoint (PublicIp and SshPort).",
                "Pass pods from Get-ArenaPod, or refresh this one with Get-ArenaPod -Name.", target: pod);
    }
}
