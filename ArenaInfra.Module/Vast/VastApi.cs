using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using ArenaInfra.Providers;
using ArenaInfra.RunPod;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace ArenaInfra.Vast
{
    /// <summary>
    /// Vast.ai as a maker of machines, written from Vast's published API documentation and its own
    /// CLI (vast-ai/vast-cli): the only code that knows Vast's JSON. A Vast machine is an instance
    /// rented from an offer: a create searches the offers (PUT /api/v0/search/asks/ with the filters
    /// inside "q", as Vast wants them), rents the cheapest that matches exactly (PUT /api/v0/asks/{id}/),
    /// and attaches the organiser's key (POST /api/v0/instances/{id}/ssh/). The list is Vast's paged
    /// /api/v1/instances/, read whole or not at all; stop and start set the instance's state, destroy
    /// deletes it, and each is done only when a read of the instance shows it.
    /// </summary>
    internal sealed class VastApi : IPodProvider
    {
        /// <summary>More pages than this is not an instance list but a service that never says it is done.</summary>
        internal const int MaxPages = 1000;

        /// <summary>The offers one search asks for (Vast answers at most 64).</summary>
        internal const int SearchLimit = 64;

        /// <summary>Vast's smallest disk.</summary>
        internal const int MinDiskGb = 8;

        private const string PageSize = "25";
        private static readonly string OrderById = Uri.EscapeDataString("[{\"col\":\"id\",\"dir\":\"asc\"}]");

        private readonly VastOptions _options;
        private readonly KeyedApiHttp _http;
        private readonly VastInstanceMapper _mapper;

        public VastApi(VastOptions options, VastInstanceMapper mapper)
        {
            _options = options;
            _http = new KeyedApiHttp(options, VastOptions.Service);
            _mapper = mapper;
        }

        /// <summary>Vast.ai for this config: its server, price cap and fleet naming, and the key ($env:VAST_API_KEY, else the stored one; none is ApiKeyMissing).</summary>
        public static VastApi From(ArenaConfig config, string userAgent, IArenaLog log) =>
            new VastApi(VastOptions.From(config, userAgent, log), VastInstanceMapper.For(config));

        public ArenaProvider Provider => ArenaProvider.Vast;

        public bool Owns(string podId) => VastInstanceMapper.IsVastId(podId);

        public async Task<IReadOnlyList<ArenaPod>> ListPodsAsync(CancellationToken cancellationToken)
        {
            var pods = new List<ArenaPod>();
            var seen = new HashSet<long>();
            var tokens = new HashSet<string>(StringComparer.Ordinal);
            string? after = null;
            for (var page = 0; page < MaxPages; page++)
            {
                var query = $"?select_filters=%7B%7D&order_by={OrderById}&limit={PageSize}" + (after == null ? "" : "&after_token=" + Uri.EscapeDataString(after));
                var answer = await _http.SendAsync("ListInstances", HttpMethod.Get, _options.Api("api/v1/instances/" + query), null, safeToRepeat: true, cancellationToken).ConfigureAwait(false);
                var root = Json(Success("ListInstances", answer), "ListInstances");
                if (!(root["instances"] is JArray instances)) throw VastErrors.Invalid("ListInstances", "it has no 'instances' list");
                foreach (var item in instances)
                {
                    if (!(item is JObject instance)) throw VastErrors.Invalid("ListInstances", "an instance is not an object");
                    // An instance seen twice means the list moved under us: the pages no longer say what is whole.
                    if (!seen.Add(VastInstanceMapper.IdOf(instance, "ListInstances"))) throw VastErrors.Invalid("ListInstances", "an instance came twice while paging (the list changed while it was read); try again");
                    pods.Add(_mapper.Map(instance, _options.Log));
                }
                var next = root["next_token"];
                if (next == null || next.Type == JTokenType.Null || (next.Type == JTokenType.String && ((string)next!).Length == 0)) return pods;
                if (next.Type != JTokenType.String || ((string)next!).Length > 1000) throw VastErrors.Invalid("ListInstances", "its next_token is not a short text");
                after = (string)next!;
                if (!tokens.Add(after)) throw VastErrors.Invalid("ListInstances", "it gave the same next_token twice");
            }
            throw VastErrors.Invalid("ListInstances", $"it did not end within {MaxPages} pages");
        }

        public async Task<ArenaPod?> GetPodAsync(string podId, CancellationToken cancellationToken)
        {
            if (!Owns(podId)) return null;
            var answer = await _http.SendAsync("GetInstance", HttpMethod.Get, InstanceUri(podId, "?owner=me"), null, safeToRepeat: true, cancellationToken).ConfigureAwait(false);
            if (answer.Status == 404) return null;
            var root = Json(Success("GetInstance", answer, podId), "GetInstance");
            var instance = root["instances"];
            if (instance == null || instance.Type == JTokenType.Null) return null;
            if (!(instance is JObject o)) throw VastErrors.Invalid("GetInstance", "its 'instances' is not an instance");
            if (VastInstanceMapper.PodId(VastInstanceMapper.IdOf(o, "GetInstance")) != podId) throw VastErrors.Invalid("GetInstance", "it answered with another instance");
            return _mapper.Map(o, _options.Log);
        }

        public async Task<ArenaPod> CreatePodAsync(PodCreateSpec spec, CancellationToken cancellationToken)
        {
            var gpuName = VastGpuNames.ToVast(spec.GpuTypeId);
            var disk = Math.Max(MinDiskGb, spec.ContainerDiskInGb + spec.VolumeInGb);
            // The lower of the config's cap and the command's -MaxCostPerHour.
            var cap = spec.MaxPricePerHour is decimal asked && asked < _options.MaxPricePerHour ? asked : _options.MaxPricePerHour;
            var offers = await SearchAsync(gpuName, spec.GpuCount, disk, cap, cancellationToken).ConfigureAwait(false);
            if (offers.Count == 0)
            {
                throw new ArenaException(ArenaErrorIds.CapacityUnavailable, ErrorCategory.ResourceUnavailable,
                    $"Vast.ai has no rentable offer of {spec.GpuCount} x {UntrustedValue.Printable(gpuName)} (from {UntrustedValue.Printable(spec.GpuTypeId)}) with {disk} GB of disk at or under ${cap.ToString("0.00", CultureInfo.InvariantCulture)} an hour.",
                    "Try again later, choose another GPU type, or raise -MaxCostPerHour or VAST_MAX_PRICE_PER_HOUR, the lower of which caps a machine's price (every GPU and the disk together).");
            }
            var taken = new List<string>();
            foreach (var offer in offers.Take(Math.Max(1, _options.MaxRentAttempts)))
            {
                var instanceId = await RentAsync(offer, spec, disk, cancellationToken).ConfigureAwait(false);
                if (instanceId == null)
                {
                    taken.Add(offer.Id.ToString(CultureInfo.InvariantCulture));
                    _options.Log.Verbose($"Vast.ai offer {offer.Id} was taken by someone else before it was rented; trying the next one.");
                    continue;
                }
                var podId = VastInstanceMapper.PodId(instanceId.Value);
                await AttachKeysAsync(podId, spec.PublicKey, cancellationToken).ConfigureAwait(false);
                var made = await GetPodAsync(podId, cancellationToken).ConfigureAwait(false);
                if (made != null && made.Name != spec.Name)
                {
                    throw VastErrors.Invalid("RentOffer", $"the instance {podId} it made is labelled '{UntrustedValue.Printable(made.Name)}', not {spec.Name}; it exists and bills: remove it (Remove-ArenaPod -Id {podId})");
                }
                return made ?? new ArenaPod
                {
                    Provider = ArenaProvider.Vast,
                    Id = podId,
                    Name = spec.Name,
                    MachineName = spec.MachineName,
                    IsFleetPod = true,
                    Status = ArenaPodStatus.Provisioning,
                    GpuType = offer.GpuName,
                    GpuCount = offer.GpuCount,
                    CostPerHour = offer.PricePerHour,
                    Image = spec.ImageName,
                    DiskSizeGB = disk,
                    RetrievedAt = DateTimeOffset.UtcNow,
                };
            }
            throw new ArenaException(ArenaErrorIds.CapacityUnavailable, ErrorCategory.ResourceUnavailable,
                $"Vast.ai's offers of {spec.GpuCount} x {UntrustedValue.Printable(gpuName)} were taken by others before they could be rented (offers {string.Join(", ", taken)}); nothing was rented.",
                "Run the command again: the next search finds the offers still free.");
        }

        public async Task StopPodAsync(string podId, CancellationToken cancellationToken)
        {
            await SetStateAsync("StopInstance", podId, "stopped", cancellationToken).ConfigureAwait(false);
            // Done when the machine shows stopped: intended_status only repeats what the PUT asked for, and a
            // machine still running still bills.
            await ConfirmAsync("stop", podId, pod => pod != null && pod.Status == ArenaPodStatus.Stopped, cancellationToken).ConfigureAwait(false);
        }

        public async Task<ArenaPod> StartPodAsync(string podId, int gpuCount, CancellationToken cancellationToken)
        {
            // A Vast instance keeps the GPUs of the offer it was rented from: gpuCount has nothing to change.
            await SetStateAsync("StartInstance", podId, "running", cancellationToken).ConfigureAwait(false);
            // Done when it is meant to run and no longer shows stopped (it may still wait for its GPUs:
            // Wait-ArenaPod waits for it to answer).
            return (await ConfirmAsync("start", podId, pod => pod != null && IsMeant(pod, "running") && pod.Status != ArenaPodStatus.Stopped, cancellationToken).ConfigureAwait(false))!;
        }

        public async Task TerminatePodAsync(string podId, CancellationToken cancellationToken)
        {
            // Destroying twice is destroying once: safe to send again, and a 404 means it is already gone.
            var answer = await _http.SendAsync("DestroyInstance", HttpMethod.Delete, InstanceUri(podId), "{}", safeToRepeat: true, cancellationToken).ConfigureAwait(false);
            if (answer.Status != 404) CheckDone("DestroyInstance", answer, podId);
            await ConfirmAsync("destroy", podId, pod => pod == null, cancellationToken).ConfigureAwait(false);
        }

        private static bool IsMeant(ArenaPod pod, string state) => string.Equals(pod.DesiredStatus?.Trim(), state, StringComparison.OrdinalIgnoreCase);

        private async Task SetStateAsync(string operation, string podId, string state, CancellationToken cancellationToken)
        {
            var body = new JObject { ["state"] = state }.ToString(Formatting.None);
            // Setting the same state twice is setting it once: safe to send again.
            var answer = await _http.SendAsync(operation, HttpMethod.Put, InstanceUri(podId), body, safeToRepeat: true, cancellationToken).ConfigureAwait(false);
            CheckDone(operation, answer, podId);
        }

        /// <summary>Reads the instance until it shows what the action leads to, within ConfirmTimeout; unknown is never done.</summary>
        private async Task<ArenaPod?> ConfirmAsync(string action, string podId, Func<ArenaPod?, bool> done, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                var pod = await GetPodAsync(podId, cancellationToken).ConfigureAwait(false);
                if (done(pod)) return pod;
                if (pod == null)
                {
                    throw new ArenaException(ArenaErrorIds.PodNotFound, ErrorCategory.ObjectNotFound,
                        $"Vast.ai accepted the {action} of {podId}, then had no such instance.", "Run Get-ArenaPod for the current list.", target: podId);
                }
                if (clock.Elapsed + _options.ConfirmInterval > _options.ConfirmTimeout)
                {
                    throw new ArenaException(ArenaErrorIds.PodOperationFailed, ErrorCategory.OperationTimeout,
                        $"Vast.ai accepted the {action} of {podId} ({UntrustedValue.Printable(pod.Name)}), but {clock.Elapsed.TotalSeconds:0} s later it still shows {UntrustedValue.Printable(pod.DesiredStatus)} ({pod.Status}); it is not counted as done.",
                        "Run Get-ArenaPod in a minute; if it does not change, look at the instance in Vast.ai's console.", target: podId);
                }
                await Task.Delay(_options.ConfirmInterval, cancellationToken).ConfigureAwait(false);
            }
        }

        private async Task<IReadOnlyList<VastOffer>> SearchAsync(string gpuName, int gpuCount, int disk, decimal cap, CancellationToken cancellationToken)
        {
            var q = new JObject
            {
                ["verified"] = new JObject { ["eq"] = true },
                ["external"] = new JObject { ["eq"] = false },
                ["rentable"] = new JObject { ["eq"] = true },
                ["rented"] = new JObject { ["eq"] = false },
                ["gpu_name"] = new JObject { ["eq"] = gpuName },
                ["num_gpus"] = new JObject { ["eq"] = gpuCount },
                ["disk_space"] = new JObject { ["gte"] = disk },
                ["dph_total"] = new JObject { ["lte"] = cap },
                ["order"] = new JArray { new JArray { "dph_total", "asc" } },
                ["type"] = "on-demand",
                ["limit"] = SearchLimit,
                ["allocated_storage"] = disk,
            };
            // Vast reads the filters only inside "q"; a flat body is refused (or, worse, ignored).
            var body = new JObject { ["select_cols"] = new JArray { "*" }, ["q"] = q }.ToString(Formatting.None);
            // A search changes nothing: safe to send again.
            var answer = await _http.SendAsync("SearchOffers", HttpMethod.Put, _options.Api("api/v0/search/asks/"), body, safeToRepeat: true, cancellationToken).ConfigureAwait(false);
            var root = Json(Success("SearchOffers", answer), "SearchOffers");
            if (!(root["offers"] is JArray items)) throw VastErrors.Invalid("SearchOffers", "it has no 'offers' list");
            // Vast's matching is Vast's: only an offer that is exactly what was asked is rented.
            return items.Select(VastOffer.Read).Where(o => o != null && o.Matches(gpuName, gpuCount, disk, cap)).Select(o => o!)
                .OrderBy(o => o.PricePerHour).ThenBy(o => o.Id).ToList();
        }

        /// <summary>One rent, never sent again but after a 429: the instance's number, or null when the offer was taken (nothing rented).</summary>
        private async Task<long?> RentAsync(VastOffer offer, PodCreateSpec spec, int disk, CancellationToken cancellationToken)
        {
            var body = new JObject
            {
                ["client_id"] = "me",
                ["image"] = spec.ImageName,
                ["disk"] = disk,
                ["label"] = spec.Name,
                ["runtype"] = "ssh_direct",
                ["env"] = new JObject { ["MACHINE_NAME"] = spec.MachineName, ["PUBLIC_KEY"] = spec.PublicKey },
                ["target_state"] = "running",
                ["cancel_unavail"] = true,
            }.ToString(Formatting.None);
            var answer = await _http.SendAsync("RentOffer", HttpMethod.Put, _options.Api($"api/v0/asks/{offer.Id.ToString(CultureInfo.InvariantCulture)}/"), body, safeToRepeat: false, cancellationToken).ConfigureAwait(false);
            if (VastErrors.OfferTaken(answer)) return null;
            if (answer.Status < 200 || answer.Status > 299) throw VastErrors.Refused("RentOffer", answer, _options.ApiKey);
            JObject root;
            try
            {
                root = Json(answer.Body, "RentOffer");
            }
            catch (ArenaException)
            {
                throw Unclear(spec, "its answer was not JSON");
            }
            if (root["success"]?.Type == JTokenType.Boolean && !(bool)root["success"]!)
            {
                var said = VastErrors.Said(answer.Body, _options.ApiKey);
                throw new ArenaException(ArenaErrorIds.ApiError, ErrorCategory.InvalidResult,
                    $"Vast.ai refused to rent offer {offer.Id}{(said == null ? "" : ": " + said)}.", "Check the account's balance and the image in Vast.ai's console.") { HttpStatus = answer.Status };
            }
            var contract = root["new_contract"];
            if (contract?.Type == JTokenType.Integer)
            {
                try
                {
                    var id = contract.Value<long>();
                    if (id > 0) return id;
                }
                catch (OverflowException)
                {
                }
            }
            throw Unclear(spec, "it named no new instance");
        }

        /// <summary>A rent whose answer cannot be read may have rented a machine: it is reported, never sent again.</summary>
        private static ArenaException Unclear(PodCreateSpec spec, string why) => new ArenaException(ArenaErrorIds.InvalidResponse, ErrorCategory.InvalidResult,
            $"Vast.ai's answer to renting {spec.Name} was not understood ({why}); a machine may have been rented, so it was not asked again.",
            $"Run Get-ArenaPod: an instance labelled {spec.Name} is the one rented; remove it or keep it.");

        /// <summary>Puts each of the organiser's public keys on the instance (Vast adds a Docker instance's keys after it is made).</summary>
        private async Task AttachKeysAsync(string podId, string publicKeys, CancellationToken cancellationToken)
        {
            foreach (var key in publicKeys.Split('\n').Select(k => k.Trim()).Where(k => k.Length > 0))
            {
                var body = new JObject { ["ssh_key"] = key }.ToString(Formatting.None);
                ArenaException? failure = null;
                try
                {
                    // The same key attached twice is the key attached: safe to send again.
                    var answer = await _http.SendAsync("AttachSshKey", HttpMethod.Post, InstanceUri(podId, "", "ssh/"), body, safeToRepeat: true, cancellationToken).ConfigureAwait(false);
                    CheckDone("AttachSshKey", answer, podId);
                }
                catch (ArenaException e)
                {
                    failure = e;
                }
                if (failure != null)
                {
                    throw new ArenaException(ArenaErrorIds.ApiError, failure.Category,
                        $"Vast.ai rented {podId}, but did not take the SSH key for it: {failure.Message}",
                        $"The machine exists and bills: attach the key in Vast.ai's console, or remove it (Remove-ArenaPod -Id {podId}).", failure, podId) { HttpStatus = failure.HttpStatus };
                }
            }
        }

        private Uri InstanceUri(string podId, string query = "", string below = "") =>
            _options.Api($"api/v0/instances/{VastInstanceMapper.InstanceId(podId).ToString(CultureInfo.InvariantCulture)}/{below}{query}");

        /// <summary>A 2xx whose body, when it says, says success.</summary>
        private void CheckDone(string operation, ApiAnswer answer, string podId)
        {
            var body = Success(operation, answer, podId);
            try
            {
                if (JToken.Parse(body) is JObject o && o["success"]?.Type == JTokenType.Boolean && !(bool)o["success"]!)
                {
                    var said = VastErrors.Said(body, _options.ApiKey);
                    throw new ArenaException(ArenaErrorIds.ApiError, ErrorCategory.InvalidResult,
                        $"Vast.ai refused {operation} of {podId}{(said == null ? "" : ": " + said)}.", "Look at the instance in Vast.ai's console.", target: podId) { HttpStatus = answer.Status };
                }
            }
            catch (JsonException)
            {
                // A 2xx without a JSON body said nothing against it; the read afterwards decides.
            }
        }

        private string Success(string operation, ApiAnswer answer, string? podId = null) =>
            answer.Status >= 200 && answer.Status <= 299 ? answer.Body : throw VastErrors.Refused(operation, answer, _options.ApiKey, podId);

        private static JObject Json(string body, string operation)
        {
            try
            {
                using var reader = new JsonTextReader(new System.IO.StringReader(body)) { DateParseHandling = DateParseHandling.None, FloatParseHandling = FloatParseHandling.Decimal, MaxDepth = 32 };
                return JToken.ReadFrom(reader) as JObject ?? throw VastErrors.Invalid(operation, "it is not a JSON object");
            }
            catch (JsonException)
            {
                throw VastErrors.Invalid(operation, "it is not JSON");
            }
        }
    }
}
