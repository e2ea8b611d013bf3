using System;
using Newtonsoft.Json.Linq;

namespace ArenaInfra.Vast
{
    /// <summary>One of Vast.ai's offers, as much as a rent needs; an offer that is not whole is not one the module rents.</summary>
    internal sealed class VastOffer
    {
        private VastOffer(long id, string gpuName, int gpuCount, decimal diskGb, decimal pricePerHour)
        {
            Id = id;
            GpuName = gpuName;
            GpuCount = gpuCount;
            DiskGb = diskGb;
            PricePerHour = pricePerHour;
        }

        public long Id { get; }
        public string GpuName { get; }
        public int GpuCount { get; }
        public decimal DiskGb { get; }
        /// <summary>dph_total: the machine's price an hour, every GPU and the disk together.</summary>
        public decimal PricePerHour { get; }

        /// <summary>The offer, or null when a field it needs is missing or not of its type, or it says it cannot be rented.</summary>
        public static VastOffer? Read(JToken token)
        {
            if (!(token is JObject o)) return null;
            if (o["rentable"]?.Type == JTokenType.Boolean && !(bool)o["rentable"]!) return null;
            if (o["rented"]?.Type == JTokenType.Boolean && (bool)o["rented"]!) return null;
            try
            {
                if (o["id"]?.Type != JTokenType.Integer || o["gpu_name"]?.Type != JTokenType.String || o["num_gpus"]?.Type != JTokenType.Integer) return null;
                var id = o["id"]!.Value<long>();
                var count = o["num_gpus"]!.Value<int>();
                var disk = Number(o["disk_space"]);
                var price = Number(o["dph_total"]);
                if (id <= 0 || count <= 0 || disk == null || price == null || price < 0) return null;
                return new VastOffer(id, ((string)o["gpu_name"]!).Trim(), count, disk.Value, price.Value);
            }
            catch (Exception e) when (e is OverflowException || e is FormatException || e is InvalidCastException)
            {
                return null;
            }
        }

        public bool Matches(string gpuName, int gpuCount, int diskGb, decimal maxPrice) =>
            string.Equals(GpuName, gpuName, StringComparison.OrdinalIgnoreCase) && GpuCount == gpuCount && DiskGb >= diskGb && PricePerHour <= maxPrice;

        private static decimal? Number(JToken? token) =>
            token != null && (token.Type == JTokenType.Integer || token.Type == JTokenType.Float) ? token.Value<decimal>() : (decimal?)null;
    }
}
