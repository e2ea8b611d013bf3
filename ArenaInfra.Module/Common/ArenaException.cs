using System;
using System.Management.Automation;

namespace ArenaInfra
{
    /// <summary>
    /// The one exception type the module's layers throw. It carries everything a cmdlet needs to
    /// build an ErrorRecord: a stable id, a category, and advice. Messages never contain secrets.
    /// </summary>
    public sealed class ArenaException : Exception
    {
        public ArenaException(string errorId, ErrorCategory category, string message,
            string? recommendedAction = null, Exception? inner = null, object? target = null)
            : base(message, inner)
        {
            ErrorId = errorId;
            Category = category;
            RecommendedAction = recommendedAction;
            Target = target;
        }

        public string ErrorId { get; }
        public ErrorCategory Category { get; }
        public string? RecommendedAction { get; }
        public object? Target { get; }

        /// <summary>The HTTP status behind the error, when there was one; tells an ambiguous failure from a clear refusal.</summary>
        internal int? HttpStatus { get; set; }
    }

    /// <summary>Stable error ids: scripts and tests match on these, so they never change.</summary>
    public static class ArenaErrorIds
    {
        public const string ConfigFileNotFound = nameof(ConfigFileNotFound);
        public const string ConfigParseError = nameof(ConfigParseError);
        public const string InvalidConfigValue = nameof(InvalidConfigValue);
        public const string ApiKeyMissing = nameof(ApiKeyMissing);
        public const string StoredApiKeyUnreadable = nameof(StoredApiKeyUnreadable);
        public const string AuthenticationFailed = nameof(AuthenticationFailed);
        public const string NetworkBlocked = nameof(NetworkBlocked);
        public const string RateLimited = nameof(RateLimited);
        public const string CapacityUnavailable = nameof(CapacityUnavailable);
        public const string InsufficientBalance = nameof(InsufficientBalance);
        public const string ApiError = nameof(ApiError);
        public const string ApiUnreachable = nameof(ApiUnreachable);
        public const string InvalidResponse = nameof(InvalidResponse);
        public const string PodNotFound = nameof(PodNotFound);
        public const string PodNotInFleet = nameof(PodNotInFleet);
        public const string PodNotReady = nameof(PodNotReady);
        public const string PodOperationFailed = nameof(PodOperationFailed);
        public const string SshKeyNotFound = nameof(SshKeyNotFound);
        public const string ConfirmationRequired = nameof(ConfirmationRequired);
        public const string InvalidPodName = nameof(InvalidPodName);
    }
}
