using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using ArenaInfra.Pods;
using ArenaInfra.Pods.Create;
using ArenaInfra.RunPod.GraphQl;
using ArenaInfra.RunPod.Wire;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace ArenaInfra.RunPod
{
    /// <summary>
    /// RunPod's REST API v2, the API RunPod keeps: the default backend. Written from RunPod's
    /// published v2 document; every path segment and query value is escaped.
    /// </summary>
    internal sealed class RestV2Api : IRunPodBackend
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

        /// <summary>The most pages a pod list may take (100,000 pods at RunPod's page size): more is an answer gone wrong.</summary>
        internal const int MaxListPages = 100;

        /// <summary>What one page of the pod list asks for: RunPod's largest page, so a fleet is one request.</summary>
        internal const int ListPageSize = 1000;

        /// <summary>
        /// Every page of the pod list. The list is newest first, so a pod created while paging can show up
        /// again on the next page: pods are kept once by id. An answer without its pagination block, a page
        /// said to follow without a cursor, a cursor seen before, or more than MaxListPages pages is an
        /// InvalidResponse: a short list would make pods look missing (and be bought again).
        /// </summary>
        public async Task<IReadOnlyList<ArenaPod>> ListPodsAsync(CancellationToken cancellationToken)
        {
            var mapped = new List<ArenaPod>();
            var ids = new HashSet<string>(StringComparer.Ordinal);
            var cursors = new HashSet<string>(StringComparer.Ordinal);
            string? cursor = null;
            for (var page = 1; ; page++)
            {
                var path = $"v2/pods?limit={ListPageSize}" + (cursor == null ? "" : "&cursor=" + Escape(cursor));
                var (answer, status) = await ReadPodPageAsync(path, cancellationToken).ConfigureAwait(false);
                var root = answer.Root;
                if (answer.Pods == null)
                {
                    throw RunPodErrors.InvalidResponse("ListPods", status, root.ToString(Formatting.None), _secret, "has no list at 'pods'");
                }
                foreach (var pod in answer.Pods)
                {
                    if (pod.Id.Length == 0 || ids.Add(pod.Id)) mapped.Add(pod);
                }
                var pagination = root["pagination"] as JObject;
                var more = pagination?["hasNextPage"];
                if (pagination == null || more == null || more.Type != JTokenType.Boolean)
                {
                    throw RunPodErrors.InvalidResponse("ListPods", status, Shape(answer), _secret, $"has no pagination block {{hasNextPage, nextCursor}} on page {page}, so whether more pods follow is unknown; the list is not used");
                }
                if (!(bool)more) break;
                var next = pagination["nextCursor"];
                var nextCursor = next != null && next.Type == JTokenType.String ? (string?)next : null;
                if (string.IsNullOrEmpty(nextCursor))
                {
                    throw RunPodErrors.InvalidResponse("ListPods", status, Shape(answer), _secret, $"says page {page} is followed by another but gives no cursor for it; the list is not used");
                }
                if (!cursors.Add(nextCursor!) || nextCursor == cursor)
                {
                    throw RunPodErrors.InvalidResponse("ListPods", status, Shape(answer), _secret, $"gives on page {page} a cursor it gave before, so the list does not advance; the list is not used");
                }
                if (page >= MaxListPages)
                {
                    throw RunPodErrors.InvalidResponse("ListPods", status, Shape(answer), _secret, $"still has more after {MaxListPages} pages ({mapped.Count} pods); the list is not used");
                }
                cursor = nextCursor;
            }
            _mapper.CompleteProxyPorts(mapped);
            return mapped;
        }

        /// <summary>An answer, for a message about its shape: its pagination block, never its pods.</summary>
        private static string Shape(PodListPage page) =>
            new JObject { ["pagination"] = page.Root["pagination"]?.DeepClone(), ["pods"] = $"({page.PodCount} pods)" }.ToString(Formatting.None);

        /// <summary>
        /// One page of the pod list, its pods mapped as they are read; the same checks and errors as
        /// SendRawAsync, and a pod's warnings given only once its page proved to be a good answer.
        /// </summary>
        private async Task<(PodListPage Page, int Status)> ReadPodPageAsync(string pathAndQuery, CancellationToken cancellationToken)
        {
            const string operation = "ListPods";
            var response = await SendForAnswerAsync(operation, HttpMethod.Get, pathAndQuery, null, RequestKind.Read, cancellationToken).ConfigureAwait(false);
            var status = response.StatusCode;
            if (status == 204 || IsBlank(response.Body)) return (PodListPage.Empty(), status);
            var warnings = new HeldWarnings(_http.Options.Log);
            PodListPage page;
            try
            {
                page = PodListPage.Read(response.Body, token => _mapper.MapV2(token, warnings));
            }
            catch (JsonException)
            {
                throw RunPodErrors.InvalidResponse(operation, status, response.Body, _secret, "is not valid JSON");
            }
            if (RunPodErrors.ErrorInBody(page.Root, _secret) is string said) throw RunPodErrors.ErrorIn2xx(operation, status, said);
            warnings.Release();
            return (page, status);
        }

        /// <summary>True for a body of nothing but white space (what string.Trim removes), without copying it.</summary>
        private static bool IsBlank(string body)
        {
            foreach (var c in body)
            {
                if (!char.IsWhiteSpace(c)) return false;
            }
            return true;
        }

        public async Task<ArenaPod?> GetPodAsync(string podId, CancellationToken cancellationToken)
        {
            try
            {
                var (root, status, body) = await SendRawAsync("GetPod", HttpMethod.Get, "v2/pods/" + Escape(podId), null, RequestKind.Read, cancellationToken).ConfigureAwait(false);
                var pod = _mapper.MapV2(root, _http.Options.Log);
                if (pod.Id != podId) throw RunPodErrors.InvalidResponse("GetPod", status, body, _secret, $"is not the pod {UntrustedValue.Printable(podId)} asked for");
                return pod;
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
                    var (root, status, answer) = await SendRawAsync("CreatePod", HttpMethod.Post, "v2/pods", body, RequestKind.Create, cancellationToken).ConfigureAwait(false);
                    return RunPodErrors.CheckCreated(_mapper.MapV2(root, _http.Options.Log), spec.Name, "CreatePod", status, answer, _secret);
                }
                catch (ArenaException e) when (e.ErrorId == ArenaErrorIds.CapacityUnavailable && i + 1 < clouds.Length)
                {
                    _http.Options.Log.Verbose($"Create {spec.Name}: no capacity on {clouds[i]}; trying {clouds[i + 1]}.");
                }
            }
        }

        /// <summary>POST /v2/pods/{id}/action: the pod it returns, or none (204, an empty body).</summary>
        public async Task<PodActionAnswer> SendActionAsync(string podId, PodAction action, int gpuCount, CancellationToken cancellationToken)
        {
            // v2 starts a pod with the GPUs it was made with: the count is GraphQL's business only.
            var (word, operation) = action switch
            {
                PodAction.Stop => ("stop", "StopPod"),
                PodAction.Start => ("start", "ResumePod"),
                _ => ("terminate", "TerminatePod"),
            };
            var body = JsonConvert.SerializeObject(new Dictionary<string, string> { ["action"] = word });
            var (root, status, _) = await SendRawAsync(operation, HttpMethod.Post, $"v2/pods/{Escape(podId)}/action", body, RequestKind.Action, cancellationToken).ConfigureAwait(false);
            return new PodActionAnswer(root.Count == 0 ? null : _mapper.MapV2(root, _http.Options.Log), status);
        }

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
            var gpu = RunPodJson.ReadLenient<V2GpuType>(root, new List<string>());
            var community = NotOffered(gpu, "COMMUNITY", gpuCount) == null ? gpu.Price?.Community : null;
            var secure = NotOffered(gpu, "SECURE", gpuCount) == null ? gpu.Price?.Secure : null;
            var price = cloudType switch
            {
                "COMMUNITY" => community,
                "SECURE" => secure,
                // ALL takes whichever is free: quote the higher price, so the estimate never understates.
                _ => community == null ? secure : secure == null ? community : Math.Max(community.Value, secure.Value),
            };
            var notOffered = cloudType == "COMMUNITY" || cloudType == "SECURE" ? NotOffered(gpu, cloudType, gpuCount)
                : NotOffered(gpu, "COMMUNITY", gpuCount) != null && NotOffered(gpu, "SECURE", gpuCount) != null ? "RunPod's catalog: not offered on either cloud" : null;
            return new GpuOffer(gpuTypeId, price, gpu.Availability, notOffered);
        }

        /// <summary>
        /// Why the catalog does not offer the type on that cloud: its flag false, a price of 0, or a max count
        /// of 0 (or below the pod's count). Null when it does.
        /// </summary>
        private static string? NotOffered(V2GpuType gpu, string cloud, int gpuCount)
        {
            var secure = cloud == "SECURE";
            var flag = secure ? gpu.Secure : gpu.Community;
            var price = secure ? gpu.Price?.Secure : gpu.Price?.Community;
            var max = secure ? gpu.MaxCount?.Secure : gpu.MaxCount?.Community;
            var why = new List<string>();
            if (flag == false) why.Add($"{cloud.ToLowerInvariant()}: false");
            if (price is decimal p && p <= 0) why.Add("price 0");
            if (max is int m && m < Math.Max(1, gpuCount)) why.Add(m <= 0 ? "max count 0" : $"max count {m}, under {gpuCount} GPUs");
            return why.Count == 0 ? null : $"RunPod's catalog: not offered on {cloud} ({string.Join(", ", why)})";
        }

        /// <summary>RunPod's PATCH has no verb of its own in netstandard2.0.</summary>
        private static readonly HttpMethod Patch = new HttpMethod("PATCH");

        /// <summary>
        /// PATCH /v2/pods/{id} with exactly {"locked": bool}. Done only when the pod RunPod returns is the
        /// one asked for and carries the lock asked for; otherwise (another pod, no pod, the old value,
        /// a lost or unclear answer) one fresh read decides. It is never sent again blindly: a lock that
        /// did not take is an error the command reports, and running it again is safe.
        /// </summary>
        public async Task<ArenaPod> SetLockedAsync(string podId, bool locked, CancellationToken cancellationToken)
        {
            const string operation = "LockPod";
            var body = JsonConvert.SerializeObject(new Dictionary<string, bool> { ["locked"] = locked });
            string answered;
            ArenaException? unclear = null;
            try
            {
                var (root, status, _) = await SendRawAsync(operation, Patch, "v2/pods/" + Escape(podId), body, RequestKind.Action, cancellationToken).ConfigureAwait(false);
                var pod = root.Count == 0 ? null : _mapper.MapV2(root, _http.Options.Log);
                if (pod != null && pod.Id == podId && pod.Locked == locked) return pod;
                answered = pod == null ? $"HTTP {status} without the pod"
                    : pod.Id != podId ? $"HTTP {status} with another pod ({UntrustedValue.Printable(pod.Id)})"
                    : $"HTTP {status} with the pod {(pod.Locked == null ? "not saying whether it is locked" : pod.Locked == true ? "locked" : "unlocked")}";
            }
            catch (ArenaException e) when (PodCreator.IsAmbiguous(e) || e.HttpStatus is int s && s >= 200 && s <= 299)
            {
                unclear = e;
                answered = $"{e.ErrorId}";
            }
            var fresh = await GetPodAsync(podId, cancellationToken).ConfigureAwait(false);
            if (fresh != null && fresh.Locked == locked)
            {
                _http.Options.Log.Verbose($"{operation} {podId}: RunPod answered {answered}, but a fresh read shows the pod {(locked ? "locked" : "unlocked")}.");
                return fresh;
            }
            throw RunPodErrors.LockNotSet(podId, locked, fresh, answered, unclear);
        }

        /// <summary>GET /v2/account/ssh-keys: the account's registered public keys, as they are (the caller checks each).</summary>
        public async Task<IReadOnlyList<string>> GetAccountSshKeysAsync(CancellationToken cancellationToken)
        {
            var (root, status, body) = await SendRawAsync("AccountSshKeys", HttpMethod.Get, "v2/account/ssh-keys", null, RequestKind.Read, cancellationToken).ConfigureAwait(false);
            if (!(root["keys"] is JArray keys))
            {
                throw RunPodErrors.InvalidResponse("AccountSshKeys", status, body, _secret, "has no list at 'keys'");
            }
            // Anything but a string is kept as its text: the merge refuses what is not a public key, and says so.
            return keys.Select(k => k.Type == JTokenType.String ? (string)k! : k.ToString(Formatting.None)).ToList();
        }

        public Task ReadLogsAsync(string podId, int tail, bool follow, string? source, Action<PodLogEvent> onLine, CancellationToken cancellationToken) =>
            new PodLogStream(_http).ReadAsync(podId, tail, follow, source, onLine, cancellationToken);

        /// <summary>The most volumes one answer may list: more is an answer gone wrong, not an account.</summary>
        internal const int MaxNetworkVolumes = 10000;

        /// <summary>
        /// GET /v2/network-volumes: the list, every entry with its id, or an InvalidResponse. An audit that
        /// took a partial list for the whole would call a billing volume gone.
        /// </summary>
        public async Task<IReadOnlyList<ArenaNetworkVolume>> ListNetworkVolumesAsync(CancellationToken cancellationToken)
        {
            const string operation = "ListNetworkVolumes";
            var (root, status, body) = await SendRawAsync(operation, HttpMethod.Get, "v2/network-volumes", null, RequestKind.Read, cancellationToken).ConfigureAwait(false);
            if (!(root["networkVolumes"] is JArray list))
            {
                throw RunPodErrors.InvalidResponse(operation, status, body, _secret, "has no list at 'networkVolumes'");
            }
            if (list.Count > MaxNetworkVolumes)
            {
                throw RunPodErrors.InvalidResponse(operation, status, $"({list.Count} volumes)", _secret, $"lists more than {MaxNetworkVolumes} volumes");
            }
            var volumes = new List<ArenaNetworkVolume>();
            foreach (var entry in list)
            {
                var id = entry is JObject o && o["id"] is JValue v && v.Type == JTokenType.String ? (string?)v : null;
                if (string.IsNullOrEmpty(id))
                {
                    throw RunPodErrors.InvalidResponse(operation, status, body, _secret, "lists a volume without an id");
                }
                var name = entry["name"] is JValue n && n.Type == JTokenType.String ? (string?)n ?? "" : "";
                var size = entry["size"] is JValue s && s.Type == JTokenType.Integer && (long)s >= 0 && (long)s <= int.MaxValue ? (int?)(long)s : null;
                var dataCenter = entry["dataCenter"] is JValue d && d.Type == JTokenType.String ? (string?)d : null;
                volumes.Add(new ArenaNetworkVolume(id!, name, size, dataCenter));
            }
            return volumes;
        }

        /// <summary>One request; a JSON object back (empty for 204), or the error RunPod's problem details call for.</summary>
        private async Task<JObject> SendAsync(string operation, HttpMethod method, string pathAndQuery, string? body, RequestKind kind, CancellationToken cancellationToken) =>
            (await SendRawAsync(operation, method, pathAndQuery, body, kind, cancellationToken).ConfigureAwait(false)).Root;

        /// <summary>
        /// One request: the JSON object (empty for 204), its status and its text; or the error RunPod's
        /// problem details call for. A 2xx whose body is an error is that error (HttpStatus 2xx), never data.
        /// </summary>
        private async Task<(JObject Root, int Status, string Body)> SendRawAsync(string operation, HttpMethod method, string pathAndQuery, string? body, RequestKind kind, CancellationToken cancellationToken)
        {
            var response = await SendForAnswerAsync(operation, method, pathAndQuery, body, kind, cancellationToken).ConfigureAwait(false);
            var status = response.StatusCode;
            if (status == 204 || response.Body.Trim().Length == 0) return (new JObject(), status, response.Body);
            JObject root;
            try
            {
                root = RunPodJson.ParseObject(response.Body);
            }
            catch (JsonException)
            {
                throw RunPodErrors.InvalidResponse(operation, status, response.Body, _secret, "is not valid JSON");
            }
            if (RunPodErrors.ErrorInBody(root, _secret) is string said) throw RunPodErrors.ErrorIn2xx(operation, status, said);
            return (root, status, response.Body);
        }

        /// <summary>One request, its answer when it is a 2xx; otherwise the error RunPod's problem details call for.</summary>
        private async Task<RawResponse> SendForAnswerAsync(string operation, HttpMethod method, string pathAndQuery, string? body, RequestKind kind, CancellationToken cancellationToken)
        {
            var options = _http.Options;
            if (body != null) options.Log.Debug($"RunPod {operation} body: {Secrets.Redact(body, options.ApiKey)}");
            var request = new RunPodHttpRequest(operation, method, options.Rest(pathAndQuery), kind) { JsonBody = body };
            var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var status = response.StatusCode;
            if (status < 200 || status > 299) throw RunPodErrors.FromV2Problem(operation, response, _secret);
            return response;
        }

        /// <summary>A value inside a path or a query: escaped, so an id or a GPU name can never add a segment or a parameter.</summary>
        internal static string Escape(string value) => Uri.EscapeDataString(value);
    }
}
