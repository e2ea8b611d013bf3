using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace ArenaInfra.Llm
{
    /// <summary>
    /// What the LLM key commands ask of a key service: OpenRouter's key-provisioning API behind it
    /// (OpenRouterKeyApi), an in-memory one in tests. Every text in a record came from the service.
    /// </summary>
    internal interface ILlmKeyApi
    {
        /// <summary>Every key of the account, disabled ones included, read page by page: whole, or an error.</summary>
        Task<IReadOnlyList<LlmKeyRecord>> ListKeysAsync(CancellationToken cancellationToken);

        /// <summary>Makes a key with a spending limit; its secret is given this once.</summary>
        Task<LlmKeyCreated> CreateKeyAsync(string name, decimal limitUsd, CancellationToken cancellationToken);

        /// <summary>One key by its hash; null when the service says there is none.</summary>
        Task<LlmKeyRecord?> GetKeyAsync(string hash, CancellationToken cancellationToken);

        /// <summary>Deletes a key; true when it was deleted now, false when the service had no such key.</summary>
        Task<bool> DeleteKeyAsync(string hash, CancellationToken cancellationToken);
    }

    /// <summary>One key as the service describes it (never its secret).</summary>
    internal sealed class LlmKeyRecord
    {
        public LlmKeyRecord(string hash, string name, string label, decimal? limitUsd, decimal usageUsd, bool disabled, DateTimeOffset? createdAt)
        {
            Hash = hash;
            Name = name;
            Label = label;
            LimitUsd = limitUsd;
            UsageUsd = usageUsd;
            Disabled = disabled;
            CreatedAt = createdAt;
        }

        /// <summary>The service's id of the key, checked to be a plain token before it goes into a URL.</summary>
        public string Hash { get; }
        public string Name { get; }
        /// <summary>The service's label: a masked form of the key (sk-or-v1-0e6...1c96), never the key.</summary>
        public string Label { get; }
        public decimal? LimitUsd { get; }
        public decimal UsageUsd { get; }
        public bool Disabled { get; }
        public DateTimeOffset? CreatedAt { get; }
    }

    /// <summary>A key just made: its record and its secret, which lives only in memory on its way to the pod.</summary>
    internal sealed class LlmKeyCreated
    {
        public LlmKeyCreated(LlmKeyRecord record, string secret)
        {
            Record = record;
            Secret = secret;
        }

        public LlmKeyRecord Record { get; }
        public string Secret { get; }

        /// <summary>Never the secret, whoever prints this object.</summary>
        public override string ToString() => $"key {Record.Name} ({Record.Hash})";
    }
}
