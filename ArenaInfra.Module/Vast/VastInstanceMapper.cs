using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using ArenaInfra.Common;
using ArenaInfra.Config;
using ArenaInfra.Proxy;
using Newtonsoft.Json.Linq;

namespace ArenaInfra.Vast
{
    /// <summary>
    /// Turns a Vast.ai instance into an ArenaPod: the only place that interprets Vast's instance fields.
    /// Every value is Vast's (or whoever rents through the account's key) and taken as hostile: it is
    /// kept as sent, typed strictly, and judged where it is used by the one gate (UntrustedValue), as
    /// RunPod's are; a field of the wrong type is left empty with a warning naming the pod.
    /// </summary>
    internal sealed class VastInstanceMapper
    {
        /// <summary>What a pod id of Vast's looks like: the prefix and the instance's number, nothing else.</summary>
        public const string IdPrefix = "vast-";

        private static readonly Regex IdShape = new Regex("^vast-[1-9][0-9]{0,17}\\z", RegexOptions.CultureInvariant);

        private readonly FleetNaming _naming;
        private readonly ProxyPortPlan _ports;

        public VastInstanceMapper(FleetNaming naming, ProxyPortPlan ports)
        {
            _naming = naming;
            _ports = ports;
        }

        public static VastInstanceMapper For(ArenaConfig config) => new VastInstanceMapper(new FleetNaming(config.Prefix), ProxyPortPlan.For(config));

        /// <summary>True for exactly the ids this provider gives: 'vast-' and a positive instance number.</summary>
        public static bool IsVastId(string podId) => podId != null && IdShape.IsMatch(podId);

        public static string PodId(long instanceId) => IdPrefix + instanceId.ToString(CultureInfo.InvariantCulture);

        /// <summary>The instance number of one of our ids; throws PodNotFound for any other id.</summary>
        public static long InstanceId(string podId)
        {
            if (IsVastId(podId) && long.TryParse(podId.Substring(IdPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var id)) return id;
            throw new ArenaException(ArenaErrorIds.PodNotFound, ErrorCategory.ObjectNotFound,
                $"'{UntrustedValue.Printable(podId)}' is not a Vast.ai pod id (vast-<instance number>).", "Take the id from Get-ArenaPod.");
        }

        /// <summary>The instance's number: a positive integer, or the answer is not one the module can act on.</summary>
        public static long IdOf(JToken? token, string operation)
        {
            if (token is JObject o && o["id"]?.Type == JTokenType.Integer)
            {
                try
                {
                    var id = o["id"]!.Value<long>();
                    if (id > 0) return id;
                }
                catch (OverflowException)
                {
                }
            }
            throw VastErrors.Invalid(operation, "an instance has no positive whole-number id");
        }

        public ArenaPod Map(JObject instance, IArenaLog log)
        {
            var problems = new List<string>();
            var id = IdOf(instance, "ListInstances");
            var name = Text(instance, "label", problems) ?? "";
            var machineName = _naming.MachineNameOf(name);
            var actual = Text(instance, "actual_status", problems)?.Trim().ToLowerInvariant();
            if (actual?.Length == 0) actual = null;
            var intended = Text(instance, "intended_status", problems) ?? Text(instance, "cur_state", problems);
            var endpoint = Endpoint(instance, problems);
            var status = StatusOf(actual, intended?.Trim().ToLowerInvariant(), endpoint != null);
            var disk = Number(instance, "disk_space", problems);
            var cost = Number(instance, "dph_total", problems);
            var gpus = Number(instance, "num_gpus", problems);
            var pod = new ArenaPod
            {
                Provider = ArenaProvider.Vast,
                Id = PodId(id),
                Name = name,
                MachineName = machineName,
                IsFleetPod = machineName != null,
                DesiredStatus = intended,
                Status = status,
                PublicIp = endpoint?.Host,
                SshPort = endpoint?.Port,
                ProxyPort = _ports.PortOf(machineName),
                GpuType = Text(instance, "gpu_name", problems),
                GpuCount = gpus is decimal g && g >= 0 && g <= 1024 ? (int)g : 0,
                CostPerHour = cost is decimal c && c >= 0 && c <= 100_000m ? c : (decimal?)null,
                Image = Text(instance, "image_uuid", problems),
                DiskSizeGB = disk is decimal d && d >= 0 && d <= 1_000_000m ? (int)Math.Round(d) : (int?)null,
                MachineId = Number(instance, "machine_id", problems)?.ToString(CultureInfo.InvariantCulture),
                Location = Text(instance, "geolocation", problems),
                SshProblem = actual == "running" && endpoint == null ? "Vast.ai gave it no SSH endpoint (neither a public port for 22/tcp nor its SSH proxy)" : null,
                RetrievedAt = DateTimeOffset.UtcNow,
            };
            if (problems.Count > 0)
            {
                log.Warning($"{UntrustedValue.Printable(pod.Name.Length > 0 ? pod.Name : pod.Id)}: Vast.ai sent {string.Join(", ", problems.Distinct())} not of its type; shown empty, the rest of the instance as sent.");
            }
            return pod;
        }

        /// <summary>
        /// Running is Running only with an SSH endpoint; a fresh instance Vast is still placing has no
        /// actual status yet and is Provisioning while it is meant to run.
        /// </summary>
        internal static ArenaPodStatus StatusOf(string? actual, string? intended, bool hasEndpoint) => actual switch
        {
            "running" => hasEndpoint ? ArenaPodStatus.Running : ArenaPodStatus.Starting,
            "stopped" => ArenaPodStatus.Stopped,
            "exited" => ArenaPodStatus.Stopped,
            "loading" => ArenaPodStatus.Provisioning,
            "created" => ArenaPodStatus.Provisioning,
            "scheduling" => ArenaPodStatus.Provisioning,
            null => intended == "running" ? ArenaPodStatus.Provisioning : intended == "stopped" ? ArenaPodStatus.Stopped : ArenaPodStatus.Unknown,
            _ => ArenaPodStatus.Unknown,
        };

        /// <summary>
        /// The direct public port when the instance has one (public_ipaddr and the host port of
        /// "22/tcp"), else Vast's SSH proxy (ssh_host, ssh_port; one above for a Jupyter launch, as
        /// Vast's own CLI reads it). Host and port as sent, trimmed of the white space Vast leaves on
        /// them; whether they may be connected to is the gate's to say.
        /// </summary>
        private static (string Host, int Port)? Endpoint(JObject instance, List<string> problems)
        {
            var publicIp = Text(instance, "public_ipaddr", problems)?.Trim();
            if (!string.IsNullOrEmpty(publicIp) && instance["ports"] is JObject ports && ports["22/tcp"] is JArray bindings)
            {
                foreach (var binding in bindings.OfType<JObject>())
                {
                    if (PortOf(binding["HostPort"]) is int hostPort) return (publicIp!, hostPort);
                }
            }
            var proxyHost = Text(instance, "ssh_host", problems)?.Trim();
            if (string.IsNullOrEmpty(proxyHost) || !(PortOf(instance["ssh_port"]) is int proxyPort)) return null;
            var runtype = Text(instance, "image_runtype", problems) ?? "";
            return (proxyHost!, runtype.IndexOf("jupyter", StringComparison.OrdinalIgnoreCase) >= 0 ? proxyPort + 1 : proxyPort);
        }

        /// <summary>A port as a whole number (Vast sends host ports as text); null when it is not one.</summary>
        internal static int? PortOf(JToken? token)
        {
            if (token == null) return null;
            if (token.Type == JTokenType.Integer)
            {
                try
                {
                    return token.Value<int>();
                }
                catch (OverflowException)
                {
                    return null;
                }
            }
            if (token.Type != JTokenType.String) return null;
            var text = ((string)token!).Trim();
            return text.Length > 0 && text.Length <= 9 && text.All(c => c >= '0' && c <= '9') ? int.Parse(text, CultureInfo.InvariantCulture) : (int?)null;
        }

        private static string? Text(JObject o, string field, List<string> problems)
        {
            var token = o[field];
            if (token == null || token.Type == JTokenType.Null) return null;
            if (token.Type == JTokenType.String) return (string)token!;
            problems.Add(field);
            return null;
        }

        private static decimal? Number(JObject o, string field, List<string> problems)
        {
            var token = o[field];
            if (token == null || token.Type == JTokenType.Null) return null;
            if (token.Type == JTokenType.Integer || token.Type == JTokenType.Float)
            {
                try
                {
                    return token.Value<decimal>();
                }
                catch (Exception e) when (e is OverflowException || e is FormatException || e is InvalidCastException)
                {
                }
            }
            problems.Add(field);
            return null;
        }
    }
}
