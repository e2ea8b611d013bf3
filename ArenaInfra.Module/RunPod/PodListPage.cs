using System;
using System.Collections.Generic;
using System.IO;
using ArenaInfra.Common;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace ArenaInfra.RunPod
{
    /// <summary>
    /// One page of GET /v2/pods, read as it streams: each pod becomes a tree of its own, is mapped, and
    /// is let go, so no tree of the whole page (thousands of pods) lives on while the next is built.
    /// Read as RunPodJson.ParseObject reads (dates as text, nesting bounded, a repeated member's last
    /// value wins); only the members beside the pods (pagination, error) are kept as a tree.
    /// </summary>
    internal sealed class PodListPage
    {
        private PodListPage(JObject root, List<ArenaPod>? pods, int podCount)
        {
            Root = root;
            Pods = pods;
            PodCount = podCount;
        }

        /// <summary>Every member but the pods when they are a list (in its place, an empty list); the whole answer otherwise.</summary>
        public JObject Root { get; }

        /// <summary>The page's pods, objects only; null when the answer has no list at 'pods'.</summary>
        public List<ArenaPod>? Pods { get; }

        /// <summary>How many entries the list held, objects or not.</summary>
        public int PodCount { get; }

        /// <summary>An answer with no body (204): no list at 'pods'.</summary>
        public static PodListPage Empty() => new PodListPage(new JObject(), null, 0);

        /// <summary>The page; a JsonException when the text is not a JSON object.</summary>
        public static PodListPage Read(string text, Func<JToken, ArenaPod> map)
        {
            using var reader = new JsonTextReader(new StringReader(text)) { DateParseHandling = DateParseHandling.None, MaxDepth = 64 };
            if (!reader.Read() || reader.TokenType != JsonToken.StartObject)
            {
                throw new JsonReaderException("the answer is not a JSON object");
            }
            var root = new JObject();
            List<ArenaPod>? pods = null;
            var count = 0;
            while (reader.Read() && reader.TokenType == JsonToken.PropertyName)
            {
                var name = (string)reader.Value!;
                if (!reader.Read()) throw new JsonReaderException("the answer ends inside an object");
                if (name == "pods" && reader.TokenType == JsonToken.StartArray)
                {
                    pods = new List<ArenaPod>();
                    count = 0;
                    while (reader.Read() && reader.TokenType != JsonToken.EndArray)
                    {
                        count++;
                        if (reader.TokenType == JsonToken.StartObject) pods.Add(map(JObject.Load(reader)));
                        else reader.Skip();
                    }
                    if (reader.TokenType != JsonToken.EndArray) throw new JsonReaderException("the answer ends inside the pod list");
                    root[name] = new JArray();
                }
                else
                {
                    if (name == "pods") pods = null;
                    root[name] = JToken.ReadFrom(reader);
                }
            }
            if (reader.TokenType != JsonToken.EndObject) throw new JsonReaderException("the answer ends inside an object");
            return new PodListPage(root, pods, count);
        }
    }

    /// <summary>Warnings held back until the page they came from is known to be good, then passed on in order.</summary>
    internal sealed class HeldWarnings : IArenaLog
    {
        private readonly IArenaLog _inner;
        private readonly List<string> _held = new List<string>();

        public HeldWarnings(IArenaLog inner) => _inner = inner;

        public void Verbose(string message) => _inner.Verbose(message);
        public void Debug(string message) => _inner.Debug(message);
        public void Warning(string message) => _held.Add(message);

        public void Release()
        {
            foreach (var message in _held) _inner.Warning(message);
            _held.Clear();
        }
    }
}
