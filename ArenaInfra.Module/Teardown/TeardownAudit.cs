using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using ArenaInfra.Config;
using ArenaInfra.Proxy;
using ArenaInfra.RunPod;

namespace ArenaInfra.Teardown
{
    /// <summary>
    /// The end-of-program audit: every place something of the program may be left billing or lying
    /// around, each a line Clear, Left or Unknown with the command that clears it. It reads only:
    /// nothing is deleted, stopped or changed, so it needs no confirmation.
    /// </summary>
    internal sealed class TeardownAudit
    {
        private readonly IRunPodApi _api;
        private readonly ArenaConfig _config;
        private readonly Func<CancellationToken, string?>? _readProxyConfig;

        /// <param name="readProxyConfig">Reads the fleet's nginx config on the proxy (null: the file does not exist); null when no proxy is configured.</param>
        public TeardownAudit(IRunPodApi api, ArenaConfig config, Func<CancellationToken, string?>? readProxyConfig)
        {
            _api = api;
            _config = config;
            _readProxyConfig = readProxyConfig;
        }

        /// <summary>Where the stored API key lives; a seam for tests.</summary>
        internal string StoredKeyPath { get; set; } = StoredApiKey.Path;

        public async Task<IReadOnlyList<ArenaTeardownCheck>> RunAsync(IArenaLog log, CancellationToken cancellationToken)
        {
            var checks = new List<ArenaTeardownCheck>();
            log.Verbose("Listing the account's pods.");
            checks.AddRange(await RunPodLeftovers.PodsAsync(_api, _config, cancellationToken).ConfigureAwait(false));
            log.Verbose("Listing the account's network volumes.");
            checks.AddRange(await RunPodLeftovers.VolumesAsync(_api, cancellationToken).ConfigureAwait(false));
            log.Verbose("Reading this machine's scheduled tasks.");
            checks.AddRange(await ScheduledLeftovers.CheckAsync(cancellationToken).ConfigureAwait(false));
            checks.AddRange(await ProxyAsync(log, cancellationToken).ConfigureAwait(false));
            checks.AddRange(await LlmKeyLeftovers.CheckAsync(_config, log, cancellationToken).ConfigureAwait(false));
            checks.AddRange(LocalLeftovers.ParticipantKeys(_config.ParticipantKeyFolder));
            checks.Add(LocalLeftovers.StoredKey(StoredKeyPath));
            return checks;
        }

        private async Task<IReadOnlyList<ArenaTeardownCheck>> ProxyAsync(IArenaLog log, CancellationToken cancellationToken)
        {
            if (_config.ProxyHost == null || _readProxyConfig == null) return new[] { ProxyForwards.NoProxy() };
            log.Verbose($"Reading the fleet's config on the proxy {_config.ProxyHost}.");
            try
            {
                var text = await Task.Run(() => _readProxyConfig(cancellationToken), cancellationToken).ConfigureAwait(false);
                return ProxyForwards.FromText(text, _config.ProxyConfigPath);
            }
            catch (Exception e) when (e is ArenaException || e is System.IO.IOException || e is System.Net.Sockets.SocketException || e is TimeoutException)
            {
                return new[] { ProxyForwards.Unreachable(_config.ProxyHost!, e.Message) };
            }
        }

        public static ArenaTeardownSummary Summarize(IEnumerable<ArenaTeardownCheck> checks)
        {
            var list = checks.ToList();
            return new ArenaTeardownSummary(list.Count(c => c.State == ArenaTeardownState.Clear), list.Count(c => c.State == ArenaTeardownState.Left), list.Count(c => c.State == ArenaTeardownState.Unknown));
        }
    }
}
