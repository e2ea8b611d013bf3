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
        public const string ConfigFileInvalid = nameof(ConfigFileInvalid);
        public const string InvalidConfigValue = nameof(InvalidConfigValue);
        public const string ApiKeyMissing = nameof(ApiKeyMissing);
        public const string StoredApiKeyUnreadable = nameof(StoredApiKeyUnreadable);
        public const string AuthenticationFailed = nameof(AuthenticationFailed);
        public const string NetworkBlocked = nameof(NetworkBlocked);
        public const string RateLimited = nameof(RateLimited);
        public const string CapacityUnavailable = nameof(CapacityUnavailable);
        public const string PodStuckOnHost = nameof(PodStuckOnHost);
        public const string InsufficientBalance = nameof(InsufficientBalance);
        public const string ApiError = nameof(ApiError);
        public const string ApiUnreachable = nameof(ApiUnreachable);
        public const string InvalidResponse = nameof(InvalidResponse);
        public const string AccountKeysUnreadable = nameof(AccountKeysUnreadable);
        public const string PodNotFound = nameof(PodNotFound);
        public const string PodNotInFleet = nameof(PodNotInFleet);
        public const string PodNotReady = nameof(PodNotReady);
        public const string PodOperationFailed = nameof(PodOperationFailed);
        public const string SshKeyNotFound = nameof(SshKeyNotFound);
        public const string ConfirmationRequired = nameof(ConfirmationRequired);
        public const string InvalidPodName = nameof(InvalidPodName);
        public const string ApiKeyStoreFailed = nameof(ApiKeyStoreFailed);
        public const string CsvFileNotFound = nameof(CsvFileNotFound);
        public const string HostKeyStoreInvalid = nameof(HostKeyStoreInvalid);
        public const string InvalidArgument = nameof(InvalidArgument);
        public const string OutputFileExists = nameof(OutputFileExists);
        public const string OutputFileWriteFailed = nameof(OutputFileWriteFailed);
        public const string PodEndpointMissing = nameof(PodEndpointMissing);
        public const string PodNotRunning = nameof(PodNotRunning);
        public const string ProxyCommandFailed = nameof(ProxyCommandFailed);
        public const string ProxyConfigInvalid = nameof(ProxyConfigInvalid);
        public const string ProxyHostMissing = nameof(ProxyHostMissing);
        public const string ProxyReloadFailed = nameof(ProxyReloadFailed);
        public const string ScriptFileNotFound = nameof(ScriptFileNotFound);
        public const string SshConfigInstallFailed = nameof(SshConfigInstallFailed);
        public const string SelectionRequired = nameof(SelectionRequired);
        public const string DataLossNotAllowed = nameof(DataLossNotAllowed);
        public const string PipelineInputNotAccepted = nameof(PipelineInputNotAccepted);
        public const string SshConnectFailed = nameof(SshConnectFailed);
        public const string SshAuthenticationFailed = nameof(SshAuthenticationFailed);
        public const string HostKeyMismatch = nameof(HostKeyMismatch);
        public const string HostKeyUnknown = nameof(HostKeyUnknown);
        public const string SshConnectionLost = nameof(SshConnectionLost);
        public const string SshReconnecting = nameof(SshReconnecting);
        public const string SftpFailed = nameof(SftpFailed);
        public const string BackupFailed = nameof(BackupFailed);
        public const string BackupNotFound = nameof(BackupNotFound);
        /// <summary>A file, a folder or the record of a backup could not be written here (a full disk, say): the backup did not finish.</summary>
        public const string BackupIncomplete = nameof(BackupIncomplete);
        /// <summary>A pod's files are more than BACKUP_MAX_POD_MB, or would take the run past BACKUP_MAX_RUN_MB: nothing of it was fetched.</summary>
        public const string BackupTooLarge = nameof(BackupTooLarge);
        /// <summary>The backup's disk has less free space than a pod's changed files need: nothing of it was fetched.</summary>
        public const string BackupNoSpace = nameof(BackupNoSpace);
        /// <summary>A folder below the backups' root is a symbolic link (or a junction): it is never followed.</summary>
        public const string BackupPathIsLink = nameof(BackupPathIsLink);
        public const string RestoreFailed = nameof(RestoreFailed);
        public const string BranchNotFound = nameof(BranchNotFound);
        public const string BranchChanged = nameof(BranchChanged);
        public const string RosterMissing = nameof(RosterMissing);
        public const string SshOperationFailed = nameof(SshOperationFailed);
        public const string ApiRetired = nameof(ApiRetired);
        public const string RequestRejected = nameof(RequestRejected);
        public const string PodActionNotValid = nameof(PodActionNotValid);
        public const string PodLocked = nameof(PodLocked);
        public const string DuplicatePodName = nameof(DuplicatePodName);
        public const string FleetBusy = nameof(FleetBusy);
        public const string NotSupported = nameof(NotSupported);
        public const string NotSupportedByProvider = nameof(NotSupportedByProvider);
        public const string ProviderUnavailable = nameof(ProviderUnavailable);
        public const string DeployFailed = nameof(DeployFailed);
        /// <summary>Export-ArenaStatusPage's folder, index.html or status.json is a symbolic link: nothing is written through one.</summary>
        public const string StatusPagePathIsLink = nameof(StatusPagePathIsLink);
        /// <summary>Export-ArenaStatusPage could not write its folder or files (no permission, no room, a file where the folder should be).</summary>
        public const string StatusPageWriteFailed = nameof(StatusPageWriteFailed);
        public const string LlmProvisioningKeyMissing = nameof(LlmProvisioningKeyMissing);
        public const string LlmApiError = nameof(LlmApiError);
        public const string LlmApiUnreachable = nameof(LlmApiUnreachable);
        public const string LlmKeyNotPlaced = nameof(LlmKeyNotPlaced);
        public const string LlmKeyRevokeUnverified = nameof(LlmKeyRevokeUnverified);
        public const string LlmKeyNotFound = nameof(LlmKeyNotFound);
        public const string PodJobNotFound = nameof(PodJobNotFound);
        public const string PodJobStartFailed = nameof(PodJobStartFailed);
        public const string PodJobStopFailed = nameof(PodJobStopFailed);
        public const string PodJobUnreadable = nameof(PodJobUnreadable);
        public const string PodJobUnknown = nameof(PodJobUnknown);
        /// <summary>Copy-ArenaPodItem: the local file or folder is missing, a link, or holds a link or an unsafe name.</summary>
        public const string CopySourceNotFound = nameof(CopySourceNotFound);
        /// <summary>Copy-ArenaPodItem: more bytes or files than the copy's cap.</summary>
        public const string CopyTooLarge = nameof(CopyTooLarge);
        /// <summary>Copy-ArenaPodItem: -Destination is not an absolute or ~ path of plain names.</summary>
        public const string CopyDestinationInvalid = nameof(CopyDestinationInvalid);
        /// <summary>Copy-ArenaPodItem: the local item is not in a checkout of the course repo and no -Destination was given.</summary>
        public const string CopyDestinationRequired = nameof(CopyDestinationRequired);
        /// <summary>Copy-ArenaPodItem: a link on the pod at the destination or a folder above it; nothing is written through one.</summary>
        public const string CopyPathIsLink = nameof(CopyPathIsLink);
        /// <summary>Copy-ArenaPodItem: a different file (or something not a file) is already at the destination; -Overwrite replaces a file.</summary>
        public const string CopyDestinationExists = nameof(CopyDestinationExists);
        /// <summary>Copy-ArenaPodItem: the pod's size or SHA-256 of a sent file did not match this machine's.</summary>
        public const string CopyNotVerified = nameof(CopyNotVerified);
        /// <summary>New-ArenaPodBranch: a label or branch name outside git's rules or the module's allow-list; refused before any command.</summary>
        public const string InvalidBranchName = nameof(InvalidBranchName);
        /// <summary>New-ArenaPodBranch: origin has the day's branch at another commit; it is never force-pushed.</summary>
        public const string BranchExists = nameof(BranchExists);
        /// <summary>Set-ArenaPodBranch: the course repo has changed tracked files; nothing is switched without -Hard.</summary>
        public const string RepoDirty = nameof(RepoDirty);
        /// <summary>Set-ArenaPodBranch: the local branch has commits origin's lacks, so it cannot be fast-forwarded; nothing is switched without -Hard.</summary>
        public const string BranchDiverged = nameof(BranchDiverged);
    }
}
