using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.Common;
using ArenaInfra.Pods;
using ArenaInfra.RunPod;
using ArenaInfra.Static;

namespace ArenaInfra.Providers
{
    /// <summary>
    /// The one place the fleet's API is made: RunPod alone (the config's default) is RunPod's client as
    /// it always was; with other providers (ARENA_PROVIDERS, or a hosts file), ProviderFleet puts them
    /// beside it. RunPod's key is needed only when RunPod is one of the providers.
    /// </summary>
    internal static class FleetApiFactory
    {
        public static IRunPodApi Create(ArenaConfig config, string userAgent, IArenaLog log)
        {
            var providers = config.Providers;
            if (providers.Length == 1 && providers[0] == ArenaProvider.RunPod) return RunPodApiFactory.Create(config, userAgent, log);
            var runPod = providers.Contains(ArenaProvider.RunPod) ? RunPodApiFactory.CreateUnremembered(config, userAgent, log) : null;
            var others = providers.Where(p => p != ArenaProvider.RunPod).Select(p => Make(p, config, userAgent, log)).ToList();
            return new PodNameRemembering(new ProviderFleet(runPod, others, ProviderPodRecords.Open(), log, Proxy.ProxyPortPlan.For(config)));
        }

        private static IPodProvider Make(ArenaProvider provider, ArenaConfig config, string userAgent, IArenaLog log) => provider switch
        {
            ArenaProvider.Static => StaticHosts.For(config) ?? throw new ArenaException(ArenaErrorIds.InvalidConfigValue, ErrorCategory.InvalidArgument,
                "ARENA_PROVIDERS names Static (machines made by hand), but no hosts file is named (ARENA_HOSTS).",
                "Name the hosts file in the config (ARENA_HOSTS=..., a CSV of machine,host,port,user[,gpu]), or take Static out of ARENA_PROVIDERS."),
            ArenaProvider.Vast => Vast.VastApi.From(config, userAgent, log),
            _ => throw new ArenaException(ArenaErrorIds.NotSupportedByProvider, ErrorCategory.NotImplemented,
                $"ARENA_PROVIDERS names {provider}, which this version of the module cannot reach.", "Remove it from ARENA_PROVIDERS."),
        };
    }
}
