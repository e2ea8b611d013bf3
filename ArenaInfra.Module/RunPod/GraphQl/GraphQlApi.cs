using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using Newtonsoft.Json.Linq;

namespace ArenaInfra.RunPod.GraphQl
{
    /// <summary>RunPod's GraphQL API: deprecated, and kept as RUNPOD_API=graphql until RunPod retires it.</summary>
    internal sealed class GraphQlApi : IRunPodBackend
    {
        private readonly GraphQlTransport _transport;
        private readonly PodMapper _mapper;
        private readonly string _secret;
        private readonly IArenaLog _log;

        public GraphQlApi(RunPodHttp http, PodMapper mapper)
        {
            _transport = new GraphQlTransport(http);
            _mapper = mapper;
            _secret = http.Options.ApiKey;
            _log = http.Options.Log;
        }

        public async Task<IReadOnlyList<ArenaPod>> ListPodsAsync(CancellationToken cancellationToken)
        {
            var data = await _transport.SendAsync(RunPodQueries.ListPodsName, RunPodQueries.ListPods, null, RequestKind.Read, cancellationToken).ConfigureAwait(false);
            var myself = data["myself"];
            if (myself == null || myself.Type == JTokenType.Null)
            {
                // RunPod answers a missing or wrong key this way too, with no error at all.
                throw RunPodErrors.AuthenticationFailed("RunPod returned no account for this API key (myself: null).");
            }
            if (!(myself["pods"] is JArray pods))
            {
                throw RunPodErrors.InvalidResponse(RunPodQueries.ListPodsName, 200, data.ToString(Newtonsoft.Json.Formatting.None), _secret, "has no list at myself.pods");
            }
            var mapped = pods.Where(p => p.Type == JTokenType.Object)
                .Select(p => _mapper.MapGraphQl(p, _log))
                .ToList();
            _mapper.CompleteProxyPorts(mapped);
            return mapped;
        }

        public async Task<ArenaPod?> GetPodAsync(string podId, CancellationToken cancellationToken)
        {
            var data = await _transport.SendAsync(RunPodQueries.GetPodName, RunPodQueries.GetPod, new { podId }, RequestKind.Read, cancellationToken).ConfigureAwait(false);
            var pod = data["pod"];
            return pod == null || pod.Type != JTokenType.Object ? null : _mapper.MapGraphQl(pod, _log);
        }

        public async Task<ArenaPod> CreatePodAsync(PodCreateSpec spec, CancellationToken cancellationToken)
        {
            var data = await _transport.SendAsync(RunPodQueries.CreatePodName, RunPodQueries.CreatePod, spec.ToVariables(), RequestKind.Create, cancellationToken).ConfigureAwait(false);
            var pod = data["podFindAndDeployOnDemand"];
            if (pod == null || pod.Type != JTokenType.Object)
            {
                // Some clients see a plain null instead of the capacity error.
                throw RunPodErrors.FromGraphQlErrors(RunPodQueries.CreatePodName, "There are no longer any instances available with the requested specifications.", "SUPPLY_CONSTRAINT");
            }
            return RunPodErrors.CheckCreated(_mapper.MapGraphQl(pod, _log), spec.Name, RunPodQueries.CreatePodName, 200, pod.ToString(Newtonsoft.Json.Formatting.None), _secret);
        }

        /// <summary>podStop, podResume or podTerminate: the pod it returns, or none (podTerminate never returns one).</summary>
        public async Task<PodActionAnswer> SendActionAsync(string podId, PodAction action, int gpuCount, CancellationToken cancellationToken)
        {
            var (name, document, field, variables) = action switch
            {
                PodAction.Stop => (RunPodQueries.StopPodName, RunPodQueries.StopPod, "podStop", (object)new { podId }),
                PodAction.Start => (RunPodQueries.ResumePodName, RunPodQueries.ResumePod, "podResume", new { podId, gpuCount }),
                _ => (RunPodQueries.TerminatePodName, RunPodQueries.TerminatePod, "podTerminate", new { podId }),
            };
            var data = await _transport.SendAsync(name, document, variables, RequestKind.Action, cancellationToken).ConfigureAwait(false);
            // podStop returns only the id and desiredStatus: enough to see whether it stopped.
            var pod = data[field] is JObject answered ? _mapper.MapGraphQl(answered, _log) : null;
            return new PodActionAnswer(pod, 200);
        }

        public async Task<GpuOffer?> GetGpuOfferAsync(string gpuTypeId, string cloudType, int gpuCount, CancellationToken cancellationToken)
        {
            var data = await _transport.SendAsync(RunPodQueries.GpuPriceName, RunPodQueries.GpuPrice, new { input = new { id = gpuTypeId } }, RequestKind.Read, cancellationToken).ConfigureAwait(false);
            var gpu = (data["gpuTypes"] as JArray)?.FirstOrDefault(g => (string?)g["id"] == gpuTypeId);
            if (gpu == null) return null;
            decimal? Price(string field) => gpu[field]?.Type == JTokenType.Float || gpu[field]?.Type == JTokenType.Integer ? (decimal?)gpu[field]!.Value<decimal>() : null;
            var community = Price("communityPrice");
            var secure = Price("securePrice");
            // A price of 0 is GraphQL's way of saying the type is not offered on that cloud.
            string? NotOffered(string cloud, decimal? p) => p is decimal v && v <= 0 ? $"RunPod's catalog: not offered on {cloud} (price 0)" : null;
            var notOffered = cloudType == "COMMUNITY" ? NotOffered("COMMUNITY", community)
                : cloudType == "SECURE" ? NotOffered("SECURE", secure)
                : NotOffered("COMMUNITY", community) != null && NotOffered("SECURE", secure) != null ? "RunPod's catalog: not offered on either cloud (price 0)" : null;
            if (community <= 0) community = null;
            if (secure <= 0) secure = null;
            var price = cloudType switch
            {
                "COMMUNITY" => community,
                "SECURE" => secure,
                // ALL takes whichever is free: quote the higher price, so the estimate never understates.
                _ => community == null ? secure : secure == null ? community : System.Math.Max(community.Value, secure.Value),
            };
            // GraphQL says nothing about stock.
            return new GpuOffer(gpuTypeId, price, null, notOffered);
        }

        /// <summary>RunPod's GraphQL API has no lock: only REST v2 locks, so nothing is sent.</summary>
        public Task<ArenaPod> SetLockedAsync(string podId, bool locked, CancellationToken cancellationToken) =>
            throw new ArenaException(ArenaErrorIds.NotSupported, ErrorCategory.NotImplemented,
                $"{(locked ? "Locking" : "Unlocking")} a pod needs RunPod's REST API; this config uses GraphQL (RUNPOD_API=graphql), which has no lock. Nothing was sent.",
                "Set RUNPOD_API=rest in the config (or remove it: rest is the default), then run the command again.", target: podId);

        public async Task<IReadOnlyList<string>> GetAccountSshKeysAsync(CancellationToken cancellationToken)
        {
            var data = await _transport.SendAsync(RunPodQueries.AccountSshKeysName, RunPodQueries.AccountSshKeys, null, RequestKind.Read, cancellationToken).ConfigureAwait(false);
            var myself = data["myself"];
            if (myself == null || myself.Type == JTokenType.Null)
            {
                throw RunPodErrors.AuthenticationFailed("RunPod returned no account for this API key (myself: null).");
            }
            // One key a line; none registered is null or empty.
            var keys = myself["pubKey"];
            if (keys == null || keys.Type == JTokenType.Null) return new List<string>();
            if (keys.Type != JTokenType.String) throw RunPodErrors.InvalidResponse(RunPodQueries.AccountSshKeysName, 200, data.ToString(Newtonsoft.Json.Formatting.None), _secret, "has no text at myself.pubKey");
            return ((string)keys!).Split(new[] { '\r', '\n' }, System.StringSplitOptions.RemoveEmptyEntries).Select(k => k.Trim()).Where(k => k.Length > 0).ToList();
        }

        public Task ReadLogsAsync(string podId, int tail, bool follow, string? source, System.Action<PodLogEvent> onLine, CancellationToken cancellationToken) =>
            throw new ArenaException(ArenaErrorIds.ApiError, System.Management.Automation.ErrorCategory.NotImplemented,
                "RunPod's GraphQL API has no pod logs; they come from its REST API v2.",
                "Set RUNPOD_API=rest (the default) in the config file.");

        public Task<IReadOnlyList<ArenaNetworkVolume>> ListNetworkVolumesAsync(CancellationToken cancellationToken) =>
            throw new ArenaException(ArenaErrorIds.ApiError, System.Management.Automation.ErrorCategory.NotImplemented,
                "This module reads network volumes from RunPod's REST API v2 only.",
                "Set RUNPOD_API=rest (the default) in the config file.");
    }
}
