using System;
using System.Collections.Generic;
using System.Linq;
using System.Security;
using ArenaInfra.Common;
using ArenaInfra.Common.IO;
using ArenaInfra.Config;

namespace ArenaInfra
{
    /// <summary>
    /// The fleet configuration. Immutable: every override makes a new instance, so a config handed
    /// to a cmdlet can never change under it. The API key is held but never shown.
    /// </summary>
    public sealed class ArenaConfig
    {
        private readonly IReadOnlyDictionary<string, ConfigValue> _values;
        private SecureString? _apiKeySecure;

        internal ArenaConfig(IReadOnlyDictionary<string, ConfigValue> values, ArenaConfigOrigin origin, string? path)
        {
            _values = values;
            Origin = origin;
            Path = path;
        }

        public string ApiBaseUrl => Text("ApiBaseUrl")!;
        /// <summary>Which RunPod API the module speaks: rest (REST API v2, the default) or graphql (deprecated).</summary>
        public string Api => Text("Api")!;
        public string SharedKeyPath => Text("SharedKeyPath")!;
        public string Prefix => Text("Prefix")!;
        public string SshUser => Text("SshUser")!;
        /// <summary>The GPU type as written: one id, or several in order of preference, comma-separated.</summary>
        public string GpuType => Text("GpuType")!;
        /// <summary>The cloud type as written: COMMUNITY, SECURE or ALL, or several in order, comma-separated.</summary>
        public string CloudType => Text("CloudType")!;
        /// <summary>The GPU types a pod may get, in the organiser's order of preference.</summary>
        public string[] GpuTypes => SplitList(GpuType);
        /// <summary>The clouds a pod may run on, in order (ALL is COMMUNITY, then SECURE).</summary>
        public string[] CloudTypes => ExpandClouds(SplitList(CloudType));

        internal static string[] SplitList(string text) => text.Split(',').Select(t => t.Trim()).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).ToArray();

        internal static string[] ExpandClouds(IEnumerable<string> clouds) =>
            clouds.SelectMany(c => string.Equals(c, "ALL", StringComparison.OrdinalIgnoreCase) ? new[] { "COMMUNITY", "SECURE" } : new[] { c.ToUpperInvariant() })
                .Distinct(StringComparer.Ordinal).ToArray();
        /// <summary>
        /// Who makes the fleet's machines, RunPod first when it is one: ARENA_PROVIDERS as written, else
        /// RunPod, with the machines made by hand when a hosts file (ARENA_HOSTS) is named.
        /// </summary>
        public ArenaProvider[] Providers =>
            Text("Providers") is string written
                ? written.Split(',').Select(n => (ArenaProvider)Enum.Parse(typeof(ArenaProvider), n)).OrderBy(p => p != ArenaProvider.RunPod).ToArray()
                : HostsPath != null ? new[] { ArenaProvider.RunPod, ArenaProvider.Static } : new[] { ArenaProvider.RunPod };
        /// <summary>The hosts file of machines made by hand (CSV: machine,host,port,user[,gpu]); null when there is none.</summary>
        public string? HostsPath => Text("HostsPath");
        public int GpuCount => Number("GpuCount");
        public string Image => Text("Image")!;
        public int DiskSizeGB => Number("DiskSizeGB");
        public int VolumeSizeGB => Number("VolumeSizeGB");
        public string? ProxyHost => Text("ProxyHost");
        public string ProxyUser => Text("ProxyUser")!;
        public string ProxyConfigPath => Text("ProxyConfigPath")!;
        public int ProxyStartingPort => Number("ProxyStartingPort");
        /// <summary>The proxy machine's own SSH port (for publishing its config).</summary>
        public int ProxySshPort => Number("ProxySshPort");
        public string ProxyNginxConf => Text("ProxyNginxConf")!;
        public string ProxyNginxTestCommand => Text("ProxyNginxTestCommand")!;
        public string ProxyNginxReloadCommand => Text("ProxyNginxReloadCommand")!;
        public string ProxyNginxLogDirectory => Text("ProxyNginxLogDirectory")!;
        /// <summary>The address the proxy's nginx listens on; null for every address.</summary>
        public string? ProxyListenAddress => Text("ProxyListenAddress");
        public string ProxyInstallCommand => Text("ProxyInstallCommand")!;
        public string RepoOwner => Text("RepoOwner")!;
        public string RepoName => Text("RepoName")!;
        public string DefaultBranch => Text("DefaultBranch")!;
        /// <summary>The course repo's origin on the pods: ARENA_REPO_URL, else git@github.com:&lt;RepoOwner&gt;/&lt;RepoName&gt;.git.</summary>
        public string RepoUrl => Text("RepoUrl") ?? $"git@github.com:{RepoOwner}/{RepoName}.git";
        public string GitKeyRemotePath => Text("GitKeyRemotePath")!;
        /// <summary>Whether Initialize-ArenaPod moves the course repo onto a pod's volume (/workspace/&lt;repo&gt;, a link left in the home).</summary>
        public bool WorkspaceRepo => (bool)_values["WorkspaceRepo"].Value!;
        /// <summary>Whether Initialize-ArenaPod installs the VS Code server and extensions, so a participant's first connection finds them.</summary>
        public bool VsCodePreinstall => (bool)_values["VsCodePreinstall"].Value!;
        /// <summary>The extensions put into the VS Code server, comma-separated ids.</summary>
        public string[] VsCodeExtensions => SplitList(Text("VsCodeExtensions") ?? "");
        /// <summary>VS Code's update service, asked for the current stable server build.</summary>
        public string VsCodeUpdateUrl => Text("VsCodeUpdateUrl")!;
        public int ThrottleLimit => Number("ThrottleLimit");
        public string CondaEnvName => Text("CondaEnvName")!;
        /// <summary>The roster (participant,email,machine); null in shared-key mode.</summary>
        public string? RosterPath => Text("RosterPath");
        /// <summary>Where the participants' own keys are kept: ARENA_PARTICIPANT_KEYS, else participant-keys in the data folder.</summary>
        public string ParticipantKeyFolder => Text("ParticipantKeyFolder") ?? System.IO.Path.Combine(DataFolder.Path, "participant-keys");
        public string[] MachineNames => ((string[])_values["MachineNames"].Value!).ToArray();
        public int ApiTimeoutSec => Number("ApiTimeoutSec");
        public int ApiRetryMaxSec => Number("ApiRetryMaxSec");
        public int ApiRequestsPerSecond => Number("ApiRequestsPerSecond");
        /// <summary>The most one pod's backup may hold, in MB.</summary>
        public int BackupMaxPodMB => Number("BackupMaxPodMB");
        /// <summary>The most one Backup-ArenaPod run may fetch over all its pods, in MB.</summary>
        public int BackupMaxRunMB => Number("BackupMaxRunMB");
        /// <summary>Whether new pods trust the account's registered SSH keys as well as the shared key.</summary>
        public bool AccountSshKeys => Number("AccountSshKeys") != 0;
        /// <summary>How long a command that creates or replaces pods waits for another one's fleet lock before FleetBusy.</summary>
        public int FleetLockTimeoutSec => Number("FleetLockTimeoutSec");
        /// <summary>How long one pod's deep check may take in all, in seconds.</summary>
        public int DeepCheckBudgetSec => Number("DeepCheckBudgetSec");
        /// <summary>The lowest NVIDIA driver a pod may run (570.86); null: derived from AllowedCudaVersions, else the image's CUDA.</summary>
        public string? MinDriverVersion => Text("MinDriverVersion");
        /// <summary>The CUDA versions the image may run on (12.8, or several comma-separated); they give the driver floor.</summary>
        public string? AllowedCudaVersions => Text("AllowedCudaVersions");
        /// <summary>What the deep check downloads a byte range of, to measure the pod's download speed.</summary>
        public string DeepCheckUrl => Text("DeepCheckUrl")!;
        public int DeepCheckDownloadMB => Number("DeepCheckDownloadMB");
        /// <summary>Below this download speed (MB/s) the deep check warns.</summary>
        public int DeepCheckMinMBps => Number("DeepCheckMinMBps");
        /// <summary>Below this much free space (GB) on / or /workspace the deep check warns.</summary>
        public int DeepCheckMinFreeGB => Number("DeepCheckMinFreeGB");
        /// <summary>The program's first day (yyyy-MM-dd, UTC) as written: where Get-ArenaSpend's spend so far starts; null: the last 7 days.</summary>
        public string? ProgramStartDate => Text("ProgramStartDate");
        /// <summary>Under this many hours of runway Get-ArenaSpend warns.</summary>
        public int BalanceWarnHours => Number("BalanceWarnHours");
        /// <summary>The spending limit, in US dollars, New-ArenaLlmKey gives each machine's OpenRouter key.</summary>
        public decimal LlmKeyLimitUsd => (decimal)_values["LlmKeyLimitUsd"].Value!;
        /// <summary>OpenRouter's API base (https://openrouter.ai/api/v1); the key API is under /keys.</summary>
        public string OpenRouterApiUrl => Text("OpenRouterApiUrl")!;
        /// <summary>Vast.ai's API server (https://console.vast.ai); its paths are /api/v0/... and /api/v1/... below it.</summary>
        public string VastApiUrl => Text("VastApiUrl")!;
        /// <summary>The most, in US dollars an hour, one Vast.ai machine may cost (Vast's dph_total, every GPU and the disk together).</summary>
        public decimal VastMaxPricePerHour => (decimal)_values["VastMaxPricePerHour"].Value!;
        /// <summary>The SSH key exchange tried first ('default' keeps SSH.NET's own order).</summary>
        public string SshKeyExchange => Text("SshKeyExchange")!;

        /// <summary>The RunPod API key as a SecureString; null when none is set.</summary>
        public SecureString? ApiKey => ApiKeyText == null ? null : _apiKeySecure ??= Secrets.ToSecureString(ApiKeyText);

        /// <summary>Where the key comes from ('$env:RUNPOD_API_KEY', a file and line, '-ApiKey'), never the key.</summary>
        public string ApiKeySource => ApiKeyText == null ? "(not set)" : GetSource(ConfigSetting.ApiKeyName).ToString();

        /// <summary>How this config was chosen: a file, the session default, defaults, ...</summary>
        public ArenaConfigOrigin Origin { get; }

        /// <summary>The file the settings were read from; null for built-in defaults.</summary>
        public string? Path { get; }

        internal string? ApiKeyText => (string?)_values[ConfigSetting.ApiKeyName].Value;

        public ArenaConfigSource GetSource(string settingName)
        {
            var setting = ConfigSetting.Find(settingName)
                ?? throw new ArgumentException($"There is no setting named '{settingName}'.", nameof(settingName));
            return _values[setting.Name].Source;
        }

        internal object? GetValue(string settingName) => _values[settingName].Value;

        internal ArenaConfig With(string settingName, object? value, ArenaConfigSource source)
        {
            var copy = _values.ToDictionary(kv => kv.Key, kv => kv.Value);
            copy[settingName] = new ConfigValue(value, source);
            return new ArenaConfig(copy, Origin, Path);
        }

        internal ArenaConfig WithOrigin(ArenaConfigOrigin origin) => new ArenaConfig(_values, origin, Path);

        public override string ToString() =>
            $"ArenaConfig '{Prefix}' ({MachineNames.Length} machine names, {(Path ?? "built-in defaults")}, API key {(ApiKeyText == null ? "not set" : "set")})";

        private string? Text(string name) => (string?)_values[name].Value;
        private int Number(string name) => (int)_values[name].Value!;
    }
}
