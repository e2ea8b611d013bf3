using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using ArenaInfra.Pods;
using ArenaInfra.RunPod;
using ArenaInfra.RunPod.GraphQl;

namespace ArenaInfra.Pods
{
    /// <summary>
    /// The one place a RunPod client is made: the backend the config names (RUNPOD_API: rest, the
    /// default, or graphql until RunPod retires it) over the shared HTTP layer (pacing, retries), with
    /// what is not transport around it, so both backends share it.
    /// </summary>
    internal static class RunPodApiFactory
    {
        public static IRunPodApi Create(ArenaConfig config, string userAgent, IArenaLog log) =>
            Create(config.Api, RunPodClientOptions.From(config, userAgent, log), PodMapper.For(config));

        public static IRunPodApi Create(string api, RunPodClientOptions options, PodMapper mapper) =>
            Over(Backend(api, options, mapper), options.Log);

        /// <summary>RunPod's client without the name keeping, for a fleet of several providers that keeps every provider's names itself.</summary>
        public static IRunPodApi CreateUnremembered(ArenaConfig config, string userAgent, IArenaLog log)
        {
            var options = RunPodClientOptions.From(config, userAgent, log);
            return new SettledPodActions(Backend(config.Api, options, PodMapper.For(config)), options.Log);
        }

        private static IRunPodBackend Backend(string api, RunPodClientOptions options, PodMapper mapper) =>
            InProcessRunPods.At(options.BaseUri, mapper)
            ?? (api == "graphql" ? new GraphQlApi(new RunPodHttp(options), mapper) : (IRunPodBackend)new RestV2Api(new RunPodHttp(options), mapper));

        /// <summary>What both backends share, around one: actions settled alike, the names kept for completion.</summary>
        internal static IRunPodApi Over(IRunPodBackend backend, IArenaLog log) =>
            new PodNameRemembering(new SettledPodActions(backend, log));
    }
}
