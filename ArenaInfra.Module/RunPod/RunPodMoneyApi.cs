using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using ArenaInfra.RunPod.GraphQl;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace ArenaInfra.RunPod
{
    /// <summary>
    /// What the account has spent and has left. Apart from IRunPodApi because it is not one backend's:
    /// billing history is REST v2 only, the balance GraphQL only (until RunPod retires it), whatever RUNPOD_API says.
    /// </summary>
    internal interface IRunPodMoney
    {
        /// <summary>Every pod billing record, one a pod a UTC day, from start (a midnight) to end; the whole list or an error.</summary>
        Task<IReadOnlyList<PodBillingRecord>> GetPodBillingAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken);
        /// <summary>The account's whole bill (every billable resource, volumes too), one record a UTC day, from start to end; the whole list or an error.</summary>
        Task<IReadOnlyList<AccountBillingRecord>> GetAccountBillingAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken);
        Task<AccountBalance> GetBalanceAsync(CancellationToken cancellationToken);
    }

    /// <summary>What RunPod billed one pod in one bucket.</summary>
    internal sealed class PodBillingRecord
    {
        public PodBillingRecord(string podId, DateTimeOffset start, decimal amount)
        {
            PodId = podId;
            Start = start;
            Amount = amount;
        }

        public string PodId { get; }
        public DateTimeOffset Start { get; }
        public decimal Amount { get; }
    }

    /// <summary>What RunPod billed the whole account in one bucket (GET /v2/billing), and the network volumes' part of it.</summary>
    internal sealed class AccountBillingRecord
    {
        public AccountBillingRecord(DateTimeOffset start, decimal total, decimal storage)
        {
            Start = start;
            Total = total;
            Storage = storage;
        }

        public DateTimeOffset Start { get; }
        public decimal Total { get; }
        /// <summary>Network volume storage, standard and high-performance: what no pod's record holds.</summary>
        public decimal Storage { get; }
    }

    /// <summary>GraphQL's myself { clientBalance currentSpendPerHr spendLimit underBalance }.</summary>
    internal sealed class AccountBalance
    {
        public AccountBalance(decimal clientBalance, decimal? currentSpendPerHr, decimal? spendLimit, bool? underBalance)
        {
            ClientBalance = clientBalance;
            CurrentSpendPerHr = currentSpendPerHr;
            SpendLimit = spendLimit;
            UnderBalance = underBalance;
        }

        public decimal ClientBalance { get; }
        public decimal? CurrentSpendPerHr { get; }
        public decimal? SpendLimit { get; }
        public bool? UnderBalance { get; }
    }

    internal sealed class RunPodMoneyApi : IRunPodMoney
    {
        /// <summary>More records than a year of days for 250 pods is an answer gone wrong, not a bill.</summary>
        internal const int MaxRecords = 100_000;

        /// <summary>No balance or rate is ever this large: a value past it is the API lying, not money.</summary>
        internal const decimal MaxAmount = 1_000_000_000m;

        internal const string BalanceName = "AccountBalance";
        internal const string BalanceQuery = "query AccountBalance { myself { clientBalance currentSpendPerHr spendLimit underBalance } }";

        private readonly RunPodHttp _http;
        private readonly string _secret;

        public RunPodMoneyApi(RunPodHttp http)
        {
            _http = http;
            _secret = http.Options.ApiKey;
        }

        public static IRunPodMoney Create(ArenaConfig config, string userAgent, IArenaLog log) =>
            new RunPodMoneyApi(new RunPodHttp(RunPodClientOptions.From(config, userAgent, log)));

        /// <summary>
        /// GET /v2/billing/pods by day. The published API does not page this list, so the answer must say it
        /// is whole: its metadata's recordCount is the number of records, or the list is not used.
        /// </summary>
        public async Task<IReadOnlyList<PodBillingRecord>> GetPodBillingAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken)
        {
            const string operation = "PodBilling";
            var (records, bad) = await ReadRecordsAsync(operation, "v2/billing/pods", start, end, cancellationToken).ConfigureAwait(false);
            var read = new List<PodBillingRecord>(records.Count);
            for (var i = 0; i < records.Count; i++)
            {
                var record = (JObject)records[i];
                var podId = record["podId"];
                if (podId == null || podId.Type != JTokenType.String || ((string)podId!).Length == 0 || ((string)podId!).Length > 200)
                {
                    throw bad($"has record {i} without a pod id");
                }
                var amount = Amount(record["totalAmount"]);
                if (amount == null || amount < 0) throw bad($"has record {i} whose totalAmount is not an amount of money");
                read.Add(new PodBillingRecord((string)podId!, StartOf(record, i, bad), amount.Value));
            }
            return read;
        }

        /// <summary>
        /// GET /v2/billing by day: every billable resource, network volumes included. Whole by the same rule as
        /// the pods' history; each record's amounts must be money, storage being the standard and high-performance parts.
        /// </summary>
        public async Task<IReadOnlyList<AccountBillingRecord>> GetAccountBillingAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken)
        {
            const string operation = "Billing";
            var (records, bad) = await ReadRecordsAsync(operation, "v2/billing", start, end, cancellationToken).ConfigureAwait(false);
            var read = new List<AccountBillingRecord>(records.Count);
            for (var i = 0; i < records.Count; i++)
            {
                var record = (JObject)records[i];
                var total = Amount(record["totalAmount"]);
                var standard = Amount(record["storageStandardAmount"]);
                var fast = Amount(record["storageHighPerformanceAmount"]);
                if (total == null || total < 0) throw bad($"has record {i} whose totalAmount is not an amount of money");
                if (standard == null || standard < 0 || fast == null || fast < 0) throw bad($"has record {i} whose storage amounts are not amounts of money");
                read.Add(new AccountBillingRecord(StartOf(record, i, bad), total.Value, standard.Value + fast.Value));
            }
            return read;
        }

        /// <summary>
        /// One billing list by day. The published API does not page these lists, so the answer must say it is
        /// whole: its metadata's recordCount is the number of records, or the list is not used.
        /// </summary>
        private async Task<(JArray Records, Func<string, ArenaException> Bad)> ReadRecordsAsync(string operation, string resource, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken)
        {
            var path = resource + "?bucketSize=day&startTime=" + RestV2Api.Escape(Time(start)) + "&endTime=" + RestV2Api.Escape(Time(end));
            var response = await _http.SendAsync(new RunPodHttpRequest(operation, HttpMethod.Get, _http.Options.Rest(path), RequestKind.Read), cancellationToken).ConfigureAwait(false);
            var status = response.StatusCode;
            if (status < 200 || status > 299) throw RunPodErrors.FromV2Problem(operation, response, _secret);
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
            ArenaException Bad(string what) => RunPodErrors.InvalidResponse(operation, status, Shape(root), _secret, what + "; the billing history is not used");
            if (!(root["records"] is JArray records)) throw Bad("has no list at 'records'");
            if (records.Count > MaxRecords) throw Bad($"has {records.Count} records, more than {MaxRecords}");
            var count = root["metadata"]?["recordCount"];
            if (count == null || count.Type != JTokenType.Integer || (long)count != records.Count)
            {
                throw Bad($"does not say it is whole (metadata.recordCount {(count == null ? "missing" : UntrustedValue.Printable(count.ToString(Formatting.None)))} for {records.Count} records)");
            }
            for (var i = 0; i < records.Count; i++)
            {
                if (!(records[i] is JObject)) throw Bad($"has record {i} that is not an object");
            }
            return (records, Bad);
        }

        private static DateTimeOffset StartOf(JObject record, int i, Func<string, ArenaException> bad)
        {
            var when = record["startTime"];
            if (when == null || when.Type != JTokenType.String || !DateTimeOffset.TryParse((string)when!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var bucket))
            {
                throw bad($"has record {i} without a start time");
            }
            return bucket.ToUniversalTime();
        }

        /// <summary>The balance from GraphQL (REST v2 has none); a 410 once RunPod retires it, which the caller reports as unknown.</summary>
        public async Task<AccountBalance> GetBalanceAsync(CancellationToken cancellationToken)
        {
            var data = await new GraphQlTransport(_http).SendAsync(BalanceName, BalanceQuery, null, RequestKind.Read, cancellationToken).ConfigureAwait(false);
            if (!(data["myself"] is JObject myself))
            {
                throw RunPodErrors.AuthenticationFailed("RunPod returned no account for this API key (myself: null).");
            }
            var balance = Amount(myself["clientBalance"]);
            if (balance == null)
            {
                throw RunPodErrors.InvalidResponse(BalanceName, 200, data.ToString(Formatting.None), _secret, "has no amount of money at myself.clientBalance");
            }
            var rate = Amount(myself["currentSpendPerHr"]);
            var under = myself["underBalance"];
            return new AccountBalance(balance.Value, rate is decimal r && r >= 0 ? r : null, Amount(myself["spendLimit"]),
                under != null && under.Type == JTokenType.Boolean ? (bool?)(bool)under : null);
        }

        /// <summary>A number within MaxAmount either way; anything else (text, a huge or non-finite number) is null.</summary>
        internal static decimal? Amount(JToken? token)
        {
            if (token == null) return null;
            if (token.Type == JTokenType.Integer)
            {
                return token is JValue { Value: long l } && Math.Abs((decimal)l) <= MaxAmount ? l : (decimal?)null;
            }
            if (token.Type != JTokenType.Float) return null;
            var value = token is JValue { Value: decimal d } ? (double)d : token is JValue { Value: double f } ? f : double.NaN;
            if (double.IsNaN(value) || double.IsInfinity(value) || Math.Abs(value) > (double)MaxAmount) return null;
            return Math.Round((decimal)value, 6);
        }

        private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

        /// <summary>An answer, for a message about its shape: its metadata, never its records.</summary>
        private static string Shape(JObject root) =>
            new JObject { ["metadata"] = root["metadata"]?.DeepClone(), ["records"] = root["records"] is JArray a ? $"({a.Count} records)" : "(none)" }.ToString(Formatting.None);
    }
}
