using System.Collections.Generic;
using System.Management.Automation;
using System.Security;
using ArenaInfra.Config;
using ArenaInfra.Pods;
using ArenaInfra.Pods.Create;
using ArenaInfra.RunPod;

namespace ArenaInfra.Cmdlets.Base
{
    /// <summary>A cmdlet that works on the fleet: it takes -Config and -ApiKey and resolves the effective config once.</summary>
    public abstract class ArenaApiCmdlet : ArenaCmdlet
    {
        private ArenaConfig? _config;

        [Parameter]
        [ValidateNotNull]
        public ArenaConfig? Config { get; set; }

        [Parameter]
        public SecureString? ApiKey { get; set; }

        /// <summary>The effective config; a broken one stops the cmdlet, since nothing can work without it.</summary>
        protected ArenaConfig EffectiveConfig
        {
            get
            {
                if (_config != null) return _config;
                var warnings = new List<string>();
                try
                {
                    _config = ConfigResolver.ForProcess().Resolve(Config, SessionConfigStore.Get(SessionKey), ApiKey, warnings);
                }
                catch (ArenaException e)
                {
                    throw Terminating(e);
                }
                foreach (var warning in warnings) WriteWarning(warning);
                WriteVerbose($"Config: {_config}; origin {_config.Origin}.");
                return _config;
            }
        }

        /// <summary>
        /// Calls RunPod off the pipeline thread, as Run does; a failure stops the cmdlet, since later calls
        /// would fail the same way. The client is made first, on the pipeline thread, so its own failure
        /// stops the cmdlet there too.
        /// </summary>
        internal T CallRunPod<T>(System.Func<IRunPodApi, System.Threading.CancellationToken, System.Threading.Tasks.Task<T>> call)
        {
            var client = Api;
            try
            {
                return Run(token => call(client, token));
            }
            catch (ArenaException e)
            {
                throw Terminating(e);
            }
        }

        /// <summary>
        /// Takes the fleet lock for work that creates or replaces pods (waiting for another holder up to
        /// the config's FleetLockTimeoutSec; FleetBusy after it). Read the pod list after this, never before.
        /// </summary>
        internal FleetLock TakeFleetLock(string what)
        {
            var timeout = System.TimeSpan.FromSeconds(EffectiveConfig.FleetLockTimeoutSec);
            try
            {
                return Run(token => FleetLock.AcquireAsync(FleetLock.DefaultPath, timeout, what, Log, token));
            }
            catch (ArenaException e)
            {
                throw Terminating(e);
            }
        }

        private IRunPodApi? _client;

        /// <summary>The RunPod client for this invocation; for work that runs off the pipeline thread.</summary>
        internal IRunPodApi Api => _client ??= CreateRunPodClient();

        private IRunPodApi CreateRunPodClient()
        {
            var config = EffectiveConfig;
            try
            {
                return Providers.FleetApiFactory.Create(config, UserAgent, Log);
            }
            catch (ArenaException e)
            {
                throw Terminating(e);
            }
        }

        private Llm.ILlmKeyApi? _llmKeys;

        /// <summary>OpenRouter's key API for this invocation; a missing provisioning key stops the cmdlet (LlmProvisioningKeyMissing).</summary>
        internal Llm.ILlmKeyApi LlmKeys
        {
            get
            {
                if (_llmKeys != null) return _llmKeys;
                try
                {
                    return _llmKeys = new Llm.OpenRouterKeyApi(Llm.LlmKeyOptions.From(EffectiveConfig, UserAgent, Log));
                }
                catch (ArenaException e)
                {
                    throw Terminating(e);
                }
            }
        }

        /// <summary>Roster mode's who-may-reach-what, from -RosterPath (a path as the user wrote it) or the config's roster; a terminating error when there is none.</summary>
        internal Access.RosterAccess LoadRoster(string? rosterPath)
        {
            try
            {
                var access = Access.RosterAccess.Load(EffectiveConfig, rosterPath == null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(rosterPath), Log);
                DrainLog();
                return access;
            }
            catch (ArenaException e)
            {
                throw Terminating(e);
            }
        }
    }
}
