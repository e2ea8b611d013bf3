using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.RunPod.Wire;
using Newtonsoft.Json.Linq;

namespace ArenaInfra.RunPod
{
    /// <summary>RunPod's GraphQL API: deprecated, and kept as RUNPOD_API=graphql until RunPod retires it.</summary>
    internal sealed class GraphQlApi : IRunPodApi
    {
        private readonly GraphQlTransport _transport;
        private readonly PodMapper _mapper;
        private readonly string _secret;

        public GraphQlApi(RunPodHttp http, PodMapper mapper)
        {
            _transport = new GraphQlTransport(http);
            _mapper = mapper;
            _secret = http.Options.ApiKey;
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
                .Select(p => _mapper.Map(ToWire(p)))
                .ToList();
            _mapper.CompleteProxyPorts(mapped);
            return mapped;
        }

        public async Task<ArenaPod?> GetPodAsync(string podId, CancellationToken cancellationToken)
        {
            var data = await _transport.SendAsync(RunPodQueries.GetPodName, RunPodQueries.GetPod, new { podId }, RequestKind.Read, cancellationToken).ConfigureAwait(false);
            var pod = data["pod"];
            return pod == null || pod.Type != JTokenType.Object ? null : _mapper.Map(ToWire(pod));
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
            return _mapper.Map(ToWire(pod));
        }

        public async Task StopPodAsync(string podId, CancellationToken cancellationToken)
        {
            await _transport.SendAsync(RunPodQueries.StopPodName, RunPodQueries.StopPod, new { podId }, RequestKind.Action, cancellationToken).ConfigureAwait(false);
        }

        public async Task<ArenaPod> StartPodAsync(string podId, int gpuCount, CancellationToken cancellationToken)
        {
            var data = await _transport.SendAsync(RunPodQueries.ResumePodName, RunPodQueries.ResumePod, new { podId, gpuCount }, RequestKind.Action, cancellationToken).ConfigureAwait(false);
            var pod = data["podResume"];
            if (pod == null || pod.Type != JTokenType.Object)
            {
                throw RunPodErrors.InvalidResponse(RunPodQueries.ResumePodName, 200, data.ToString(Newtonsoft.Json.Formatting.None), _secret, "has no pod");
            }
            return _mapper.Map(ToWire(pod));
        }

        public async Task TerminatePodAsync(string podId, CancellationToken cancellationToken)
        {
            await _transport.SendAsync(RunPodQueries.TerminatePodName, RunPodQueries.TerminatePod, new { podId }, RequestKind.Action, cancellationToken).ConfigureAwait(false);
        }

        public async Task<GpuOffer?> GetGpuOfferAsync(string gpuTypeId, string cloudType, int gpuCount, CancellationToken cancellationToken)
        {
            var data = await _transport.SendAsync(RunPodQueries.GpuPriceName, RunPodQueries.GpuPrice, new { input = new { id = gpuTypeId } }, RequestKind.Read, cancellationToken).ConfigureAwait(false);
            var gpu = (data["gpuTypes"] as JArray)?.FirstOrDefault(g => (string?)g["id"] == gpuTypeId);
            if (gpu == null) return null;
            decimal? Price(string field) => gpu[field]?.Type == JTokenType.Float || gpu[field]?.Type == JTokenType.Integer ? (decimal?)gpu[field]!.Value<decimal>() : null;
            var community = Price("communityPrice");
            var secure = Price("securePrice");
            var price = cloudType switch
            {
                "COMMUNITY" => community,
                "SECURE" => secure,
                // ALL takes whichever is free: quote the higher price, so the estimate never understates.
                _ => community == null ? secure : secure == null ? community : System.Math.Max(community.Value, secure.Value),
            };
            // GraphQL says nothing about stock.
            return new GpuOffer(gpuTypeId, price, null);
        }

        public Task ReadLogsAsync(string podId, int tail, bool follow, string? source, System.Action<PodLogEvent> onLine, CancellationToken cancellationToken) =>
            throw new ArenaException(ArenaErrorIds.ApiError, System.Management.Automation.ErrorCategory.NotImplemented,
                "RunPod's GraphQL API has no pod logs; they come from its REST API v2.",
                "Set RUNPOD_API=rest (the default) in the config file.");

        private PodWire ToWire(JToken token)
        {
            try
            {
                return token.ToObject<PodWire>() ?? new PodWire();
            }
            catch (Newtonsoft.Json.JsonException e)
            {
                throw RunPodErrors.InvalidResponse("a pod", 200, token.ToString(Newtonsoft.Json.Formatting.None), _secret, $"has a field of an unexpected type ({e.Message})");
            }
        }
    }
}
