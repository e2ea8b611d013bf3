using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.RunPod.Wire;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace ArenaInfra.RunPod
{
    /// <summary>
    /// RunPod's REST API v2, the API RunPod keeps: the default backend. Written from RunPod's
    /// published v2 document; every path segment and query value is escaped.
    /// </summary>
    internal sealed class RestV2Api : IRunPodApi
    {
        private readonly RunPodHttp _http;
        private readonly PodMapper _mapper;
        private readonly string _secret;

        public RestV2Api(RunPodHttp http, PodMapper mapper)
        {
            _http = http;
            _mapper = mapper;
            _secret = http.Options.ApiKey;
        }

        /// <summary>How many times an action is sent again after an unclear failure, when the pod shows it did not happen.</summary>
        public int ActionAttempts { get; set; } = 3;

        public async Task<IReadOnlyList<ArenaPod>> ListPodsAsync(CancellationToken cancellationToken)
        {
            var root = await SendAsync("ListPods", HttpMethod.Get, "v2/pods", null, RequestKind.Read, cancellationToken).ConfigureAwait(false);
            if (!(root["pods"] is JArray pods))
            {
                throw RunPodErrors.InvalidResponse("ListPods", 200, root.ToString(Formatting.None), _secret, "has no list at 'pods'");
            }
            var mapped = pods.Where(p => p.Type == JTokenType.Object).Select(p => _mapper.Map(ToPod(p, "ListPods"))).ToList();
            _mapper.CompleteProxyPorts(mapped);
            return mapped;
        }

        public async Task<ArenaPod?> GetPodAsync(string podId, CancellationToken cancellationToken)
        {
            try
            {
                var root = await SendAsync("GetPod", HttpMethod.Get, "v2/pods/" + Escape(podId), null, RequestKind.Read, cancellationToken).ConfigureAwait(false);
                return _mapper.Map(ToPod(root, "GetPod"));
            }
            catch (ArenaException e) when (e.HttpStatus == 404)
            {
                return null;
            }
        }

        public async Task<ArenaPod> CreatePodAsync(PodCreateSpec spec, CancellationToken cancellationToken)
        {
            // v2 knows two clouds; ALL means either, community first (it is cheaper), secure when community has no capacity.
            var clouds = spec.CloudType == "ALL" ? new[] { "COMMUNITY", "SECURE" } : new[] { spec.CloudType };
            for (var i = 0; ; i++)
            {
                var body = JsonConvert.SerializeObject(spec.ToV2Body(clouds[i]));
                try
                {
                    var root = await SendAsync("CreatePod", HttpMethod.Post, "v2/pods", body, RequestKind.Create, cancellationToken).ConfigureAwait(false);
                    return _mapper.Map(ToPod(root, "CreatePod"));
                }
                catch (ArenaException e) when (e.ErrorId == ArenaErrorIds.CapacityUnavailable && i + 1 < clouds.Length)
                {
                    _http.Options.Log.Verbose($"Create {spec.Name}: no capacity on {clouds[i]}; trying {clouds[i + 1]}.");
                }
            }
        }

        public Task StopPodAsync(string podId, CancellationToken cancellationToken) =>
            ActionAsync(podId, "stop", "StopPod", pod => pod == null || pod.Status == ArenaPodStatus.Stopped || pod.Status == ArenaPodStatus.Terminated, cancellationToken);

        public async Task<ArenaPod> StartPodAsync(string podId, int gpuCount, CancellationToken cancellationToken)
        {
            // v2 starts a pod with the GPUs it was made with: the count is GraphQL's business only.
            var pod = await ActionAsync(podId, "start", "ResumePod", p => p != null && p.Status != ArenaPodStatus.Stopped, cancellationToken).ConfigureAwait(false);
            return pod ?? await GetPodAsync(podId, cancellationToken).ConfigureAwait(false)
                ?? throw RunPodErrors.PodGone(podId, "start");
        }

        public Task TerminatePodAsync(string podId, CancellationToken cancellationToken) =>
            ActionAsync(podId, "terminate", "TerminatePod", pod => pod == null || pod.Status == ArenaPodStatus.Terminated, cancellationToken);

        public async Task<GpuOffer?> GetGpuOfferAsync(string gpuTypeId, string cloudType, int gpuCount, CancellationToken cancellationToken)
        {
            var cloud = cloudType == "SECURE" ? "SECURE" : "COMMUNITY";
            var path = $"v2/catalog/gpus/{Escape(gpuTypeId)}?include=AVAILABILITY&product=POD&count={Math.Max(1, gpuCount)}&cloud={cloud}";
            JObject root;
            try
            {
                root = await SendAsync("GpuPrice", HttpMethod.Get, path, null, RequestKind.Read, cancellationToken).ConfigureAwait(false);
            }
            catch (ArenaException e) when (e.HttpStatus == 404)
            {
                return null;
            }
            var gpu = root.ToObject<V2GpuType>() ?? new V2GpuType();
            var community = gpu.Price?.Community;
            var secure = gpu.Price?.Secure;
            var price = cloudType switch
            {
                "COMMUNITY" => community,
                "SECURE" => secure,
                // ALL takes whichever is free: quote the higher price, so the estimate never understates.
                _ => community == null ? secure : secure == null ? community : Math.Max(community.Value, secure.Value),
            };
            return new GpuOffer(gpuTypeId, price, gpu.Availability);
        }

        public Task ReadLogsAsync(string podId, int tail, bool follow, string? source, Action<PodLogEvent> onLine, CancellationToken cancellationToken) =>
            new PodLogStream(_http).ReadAsync(podId, tail, follow, source, onLine, cancellationToken);

        /// <summary>
        /// Sends an action. A 409 says the pod's state does not allow it (with what it allows); an unclear
        /// failure (no answer, a 5xx) is settled by reading the pod: done if it shows the action's effect,
        /// sent again only if its state has not changed.
        /// </summary>
        private async Task<ArenaPod?> ActionAsync(string podId, string action, string operation, Func<ArenaPod?, bool> done, CancellationToken cancellationToken)
        {
            var body = JsonConvert.SerializeObject(new Dictionary<string, string> { ["action"] = action });
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    var root = await SendAsync(operation, HttpMethod.Post, $"v2/pods/{Escape(podId)}/action", body, RequestKind.Action, cancellationToken).ConfigureAwait(false);
                    return root.Count == 0 ? null : _mapper.Map(ToPod(root, operation));
                }
                catch (ArenaException e) when (e.HttpStatus == 409)
                {
                    var pod = await GetPodAsync(podId, cancellationToken).ConfigureAwait(false);
                    if (done(pod)) return pod;
                    throw RunPodErrors.ActionNotValid(podId, action, pod, e.Message);
                }
                catch (ArenaException e) when (PodCreator.IsAmbiguous(e))
                {
                    var pod = await GetPodAsync(podId, cancellationToken).ConfigureAwait(false);
                    if (done(pod))
                    {
                        _http.Options.Log.Verbose($"{operation} {podId}: the answer was lost ({e.ErrorId}), but the pod shows it happened.");
                        return pod;
                    }
                    if (attempt >= ActionAttempts) throw;
                    _http.Options.Log.Verbose($"{operation} {podId}: the answer was lost ({e.ErrorId}) and the pod is unchanged; sending it again (attempt {attempt + 1} of {ActionAttempts}).");
                    await Task.Delay(TimeSpan.FromMilliseconds(500 * attempt), cancellationToken).ConfigureAwait(false);
                }
            }
        }

        /// <summary>One request; a JSON object back (empty for 204), or the error RunPod's problem details call for.</summary>
        private async Task<JObject> SendAsync(string operation, HttpMethod method, string pathAndQuery, string? body, RequestKind kind, CancellationToken cancellationToken)
        {
            var options = _http.Options;
            if (body != null) options.Log.Debug($"RunPod {operation} body: {Secrets.Redact(body, options.ApiKey)}");
            var request = new RunPodHttpRequest(operation, method, options.Rest(pathAndQuery), kind) { JsonBody = body };
            var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var status = response.StatusCode;
            if (status < 200 || status > 299) throw RunPodErrors.FromV2Problem(operation, response, _secret);
            if (status == 204 || response.Body.Trim().Length == 0) return new JObject();
            try
            {
                return RunPodJson.ParseObject(response.Body);
            }
            catch (JsonException)
            {
                throw RunPodErrors.InvalidResponse(operation, status, response.Body, _secret, "is not valid JSON");
            }
        }

        private V2Pod ToPod(JToken token, string operation)
        {
            try
            {
                return token.ToObject<V2Pod>() ?? new V2Pod();
            }
            catch (JsonException e)
            {
                throw RunPodErrors.InvalidResponse(operation, 200, token.ToString(Formatting.None), _secret, $"has a pod with a field of an unexpected type ({e.Message})");
            }
        }

        /// <summary>A value inside a path or a query: escaped, so an id or a GPU name can never add a segment or a parameter.</summary>
        internal static string Escape(string value) => Uri.EscapeDataString(value);
    }
}
