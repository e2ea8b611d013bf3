using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.RunPod.Wire;
using Newtonsoft.Json.Linq;

namespace ArenaInfra.RunPod
{
    /// <summary>What the module asks of RunPod, whatever the API behind it (GraphQL today, REST v2 later).</summary>
    internal interface IRunPodApi
    {
        Task<IReadOnlyList<ArenaPod>> ListPodsAsync(CancellationToken cancellationToken);
        Task<ArenaPod?> GetPodAsync(string podId, CancellationToken cancellationToken);
    }

    /// <summary>RunPod's GraphQL API.</summary>
    internal sealed class RunPodClient : IRunPodApi
    {
        private readonly GraphQlTransport _transport;
        private readonly PodMapper _mapper;
        private readonly string _secret;

        public RunPodClient(RunPodClientOptions options, PodMapper mapper)
        {
            _transport = new GraphQlTransport(options);
            _mapper = mapper;
            _secret = options.ApiKey;
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
            return pods.Where(p => p.Type == JTokenType.Object)
                .Select(p => _mapper.Map(ToWire(p)))
                .ToList();
        }

        public async Task<ArenaPod?> GetPodAsync(string podId, CancellationToken cancellationToken)
        {
            var variables = new { input = new { podId } };
            var data = await _transport.SendAsync(RunPodQueries.GetPodName, RunPodQueries.GetPod, variables, RequestKind.Read, cancellationToken).ConfigureAwait(false);
            var pod = data["pod"];
            return pod == null || pod.Type != JTokenType.Object ? null : _mapper.Map(ToWire(pod));
        }

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
