using System;
using System.Collections.Generic;
using System.Linq;

namespace ArenaInfra.Config
{
    internal enum ConfigValueKind
    {
        Text,
        LocalPath,
        Integer,
        Port,
        CloudType,
        HostLabel,
        NameList,
        Url,
        Secret,
        /// <summary>rest or graphql: which of RunPod's APIs the module speaks.</summary>
        ApiKind,
        /// <summary>A volume size in GB: 0 for none, else at least RunPod v2's minimum of 10.</summary>
        VolumeSize,
        /// <summary>A user name on a pod or the proxy: it goes into ssh configs and commands.</summary>
        UserName,
        /// <summary>An IP address or a DNS host name.</summary>
        HostName,
        /// <summary>An amount of US dollars above zero, at most two decimals.</summary>
        Usd,
        /// <summary>On or off: true/false, yes/no, on/off or 1/0.</summary>
        Boolean,
        /// <summary>Who makes the fleet's machines: RunPod, Static, Vast, comma-separated.</summary>
        ProviderList,
    }

    /// <summary>
    /// One fleet setting: its public property name, its key in the old config.env format, how its
    /// value is read, and its built-in default (the old scripts' default).
    /// </summary>
    internal sealed class ConfigSetting
    {
        private ConfigSetting(string name, string fileKey, ConfigValueKind kind, object? defaultValue, int minimum = int.MinValue)
        {
            Name = name;
            FileKey = fileKey;
            Kind = kind;
            DefaultValue = defaultValue;
            Minimum = minimum;
        }

        public string Name { get; }
        public string FileKey { get; }
        public ConfigValueKind Kind { get; }
        public object? DefaultValue { get; }
        public int Minimum { get; }

        public const string ApiKeyName = "ApiKey";

        public static readonly IReadOnlyList<ConfigSetting> All = new[]
        {
            new ConfigSetting("ApiBaseUrl", "RUNPOD_API_BASE_URL", ConfigValueKind.Url, "https://api.runpod.io"),
            new ConfigSetting("Api", "RUNPOD_API", ConfigValueKind.ApiKind, "rest"),
            new ConfigSetting(ApiKeyName, "RUNPOD_API_KEY", ConfigValueKind.Secret, null),
            new ConfigSetting("SharedKeyPath", "SHARED_SSH_KEY_PATH", ConfigValueKind.LocalPath, "~/.ssh/shared_infra_key_name"),
            new ConfigSetting("Prefix", "MACHINE_NAME_PREFIX", ConfigValueKind.HostLabel, "arena"),
            new ConfigSetting("SshUser", "SSH_USER", ConfigValueKind.UserName, "root"),
            new ConfigSetting("GpuType", "RUNPOD_GPU_TYPE", ConfigValueKind.Text, "NVIDIA RTX A4000"),
            new ConfigSetting("CloudType", "RUNPOD_CLOUD_TYPE", ConfigValueKind.CloudType, "COMMUNITY"),
            new ConfigSetting("GpuCount", "RUNPOD_NUM_GPUS", ConfigValueKind.Integer, 1, minimum: 1),
            new ConfigSetting("Image", "RUNPOD_DOCKER_IMAGE", ConfigValueKind.Text, "nickypro/arena-env:6.1"),
            new ConfigSetting("DiskSizeGB", "RUNPOD_DISK_SPACE_IN_GB", ConfigValueKind.Integer, 100, minimum: 1),
            new ConfigSetting("VolumeSizeGB", "RUNPOD_VOLUME_SPACE_IN_GB", ConfigValueKind.VolumeSize, 0, minimum: 0),
            new ConfigSetting("ProxyHost", "SSH_PROXY_HOST", ConfigValueKind.HostName, null),
            new ConfigSetting("ProxyUser", "SSH_PROXY_USER", ConfigValueKind.UserName, "root"),
            // A path on the proxy machine: '~' there is the proxy user's home, so it is kept as written.
            new ConfigSetting("ProxyConfigPath", "SSH_PROXY_NGINX_CONFIG_PATH", ConfigValueKind.Text, "~/proxy.conf"),
            new ConfigSetting("ProxyStartingPort", "SSH_PROXY_STARTING_PORT", ConfigValueKind.Port, 16000),
            new ConfigSetting("ProxySshPort", "SSH_PROXY_SSH_PORT", ConfigValueKind.Port, 22),
            new ConfigSetting("ProxyNginxConf", "SSH_PROXY_NGINX_CONF", ConfigValueKind.Text, "/etc/nginx/nginx.conf"),
            new ConfigSetting("ProxyNginxTestCommand", "SSH_PROXY_NGINX_TEST", ConfigValueKind.Text, "nginx -t"),
            new ConfigSetting("ProxyNginxReloadCommand", "SSH_PROXY_NGINX_RELOAD", ConfigValueKind.Text, "systemctl reload nginx"),
            new ConfigSetting("ProxyNginxLogDirectory", "SSH_PROXY_NGINX_LOG_DIR", ConfigValueKind.Text, "/var/log/nginx"),
            new ConfigSetting("ProxyListenAddress", "SSH_PROXY_LISTEN_ADDRESS", ConfigValueKind.HostName, null),
            new ConfigSetting("ProxyInstallCommand", "SSH_PROXY_INSTALL", ConfigValueKind.Text, "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx libnginx-mod-stream"),
            new ConfigSetting("RepoOwner", "ARENA_REPO_OWNER", ConfigValueKind.Text, "callummcdougall"),
            new ConfigSetting("RepoName", "ARENA_REPO_NAME", ConfigValueKind.Text, "ARENA_3.0"),
            new ConfigSetting("DefaultBranch", "DEFAULT_BRANCH", ConfigValueKind.Text, "main"),
            new ConfigSetting("RepoUrl", "ARENA_REPO_URL", ConfigValueKind.Text, null),
            new ConfigSetting("GitKeyRemotePath", "GIT_SSH_KEY_REMOTE", ConfigValueKind.Text, "/root/.ssh/id_ed25519"),
            new ConfigSetting("WorkspaceRepo", "WORKSPACE_REPO", ConfigValueKind.Boolean, true),
            new ConfigSetting("VsCodePreinstall", "VSCODE_PREINSTALL", ConfigValueKind.Boolean, true),
            new ConfigSetting("VsCodeExtensions", "VSCODE_EXTENSIONS", ConfigValueKind.Text, "ms-python.python,ms-python.vscode-pylance,ms-toolsai.jupyter"),
            new ConfigSetting("VsCodeUpdateUrl", "VSCODE_UPDATE_URL", ConfigValueKind.Url, "https://update.code.visualstudio.com"),
            // 32, not the old scripts' 10: one SSH connection costs little, and a fleet of 55 is then two rounds, not six.
            new ConfigSetting("ThrottleLimit", "MAX_PARALLEL", ConfigValueKind.Integer, 32, minimum: 1),
            new ConfigSetting("CondaEnvName", "CONDA_ENV_NAME", ConfigValueKind.Text, "arena-env"),
            new ConfigSetting("MachineNames", "MACHINE_NAME_LIST", ConfigValueKind.NameList, DefaultMachineNames.All),
            new ConfigSetting("ApiTimeoutSec", "RUNPOD_API_TIMEOUT_SEC", ConfigValueKind.Integer, 30, minimum: 1),
            new ConfigSetting("ApiRetryMaxSec", "RUNPOD_API_RETRY_MAX_SEC", ConfigValueKind.Integer, 120, minimum: 0),
            new ConfigSetting("ApiRequestsPerSecond", "RUNPOD_API_MAX_RPS", ConfigValueKind.Integer, 8, minimum: 0),
            // 1: new pods trust the account's registered SSH keys too (RunPod adds none once PUBLIC_KEY is set); 0: the shared key only.
            new ConfigSetting("AccountSshKeys", "ACCOUNT_SSH_KEYS", ConfigValueKind.Integer, 1, minimum: 0),
            new ConfigSetting("SshKeyExchange", "SSH_KEY_EXCHANGE", ConfigValueKind.Text, "curve25519-sha256"),
            // A home of checkpoints or a dataset fills the organiser's disk and leaves no room for the next pod's work.
            new ConfigSetting("BackupMaxPodMB", "BACKUP_MAX_POD_MB", ConfigValueKind.Integer, 2048, minimum: 1),
            new ConfigSetting("BackupMaxRunMB", "BACKUP_MAX_RUN_MB", ConfigValueKind.Integer, 51200, minimum: 1),
            // Roster mode: each participant their own key. Unset, the shared key is everyone's.
            new ConfigSetting("RosterPath", "ARENA_ROSTER", ConfigValueKind.LocalPath, null),
            new ConfigSetting("ParticipantKeyFolder", "ARENA_PARTICIPANT_KEYS", ConfigValueKind.LocalPath, null),
            // Long enough for another run's creates (and a replacement) to finish; 0: do not wait at all.
            new ConfigSetting("FleetLockTimeoutSec", "ARENA_FLEET_LOCK_TIMEOUT_SEC", ConfigValueKind.Integer, 600, minimum: 0),
            // The deep check (Test-ArenaPod -Deep): its budget, the driver floor, and the thresholds of its warnings.
            new ConfigSetting("DeepCheckBudgetSec", "DEEP_CHECK_BUDGET_SEC", ConfigValueKind.Integer, 150, minimum: 30),
            new ConfigSetting("MinDriverVersion", "MIN_DRIVER_VERSION", ConfigValueKind.Text, null),
            new ConfigSetting("AllowedCudaVersions", "ALLOWED_CUDA_VERSIONS", ConfigValueKind.Text, null),
            new ConfigSetting("DeepCheckUrl", "DEEP_CHECK_URL", ConfigValueKind.Url, "https://huggingface.co/openai-community/gpt2/resolve/main/model.safetensors"),
            new ConfigSetting("DeepCheckDownloadMB", "DEEP_CHECK_DOWNLOAD_MB", ConfigValueKind.Integer, 32, minimum: 1),
            new ConfigSetting("DeepCheckMinMBps", "DEEP_CHECK_MIN_MBPS", ConfigValueKind.Integer, 2, minimum: 0),
            new ConfigSetting("DeepCheckMinFreeGB", "DEEP_CHECK_MIN_FREE_GB", ConfigValueKind.Integer, 10, minimum: 0),
            // Get-ArenaSpend: where spend so far starts (yyyy-MM-dd, UTC; unset: the last 7 days), and the runway under which it warns.
            new ConfigSetting("ProgramStartDate", "PROGRAM_START_DATE", ConfigValueKind.Text, null),
            new ConfigSetting("BalanceWarnHours", "BALANCE_WARN_HOURS", ConfigValueKind.Integer, 48, minimum: 0),
            // New-ArenaLlmKey: each machine's OpenRouter key gets this spending limit; the key API's address (a local double in the tests).
            new ConfigSetting("LlmKeyLimitUsd", "LLM_KEY_LIMIT_USD", ConfigValueKind.Usd, 5m),
            new ConfigSetting("OpenRouterApiUrl", "OPENROUTER_API_URL", ConfigValueKind.Url, "https://openrouter.ai/api/v1"),
            // Who makes the fleet's machines. Unset: RunPod, and the machines made by hand when a hosts file is named.
            new ConfigSetting("Providers", "ARENA_PROVIDERS", ConfigValueKind.ProviderList, null),
            new ConfigSetting("HostsPath", "ARENA_HOSTS", ConfigValueKind.LocalPath, null),
            // Vast.ai: its API's server (paths /api/v0 and /api/v1 below it; a local double in the tests), and the most one machine may cost an hour.
            new ConfigSetting("VastApiUrl", "VAST_API_URL", ConfigValueKind.Url, "https://console.vast.ai"),
            new ConfigSetting("VastMaxPricePerHour", "VAST_MAX_PRICE_PER_HOUR", ConfigValueKind.Usd, 1m),
        };

        private static readonly Dictionary<string, ConfigSetting> ByAnyName = BuildIndex();

        private static Dictionary<string, ConfigSetting> BuildIndex()
        {
            var index = new Dictionary<string, ConfigSetting>(StringComparer.OrdinalIgnoreCase);
            foreach (var setting in All)
            {
                index[setting.Name] = setting;
                index[setting.FileKey] = setting;
            }
            return index;
        }

        /// <summary>Finds a setting by its property name or its config.env key, ignoring case.</summary>
        public static ConfigSetting? Find(string key) => ByAnyName.TryGetValue(key, out var s) ? s : null;

        public static ConfigSetting Get(string name) => All.First(s => s.Name == name);

        /// <summary>
        /// The known key an unknown one is most likely a typo of, in the spelling it resembles (the
        /// property name or the config.env key); null when none is within a few edits, so a setting
        /// that does not exist at all (an old script's key) is not guessed at.
        /// </summary>
        public static string? Nearest(string key)
        {
            string? best = null;
            var bestDistance = int.MaxValue;
            foreach (var candidate in All.SelectMany(s => new[] { s.Name, s.FileKey }))
            {
                var distance = EditDistance(key.ToUpperInvariant(), candidate.ToUpperInvariant());
                if (distance < bestDistance) { best = candidate; bestDistance = distance; }
            }
            return bestDistance <= Math.Max(1, Math.Min(3, key.Length / 4)) ? best : null;
        }

        /// <summary>Levenshtein distance: inserts, deletes and replacements, each one edit.</summary>
        internal static int EditDistance(string a, string b)
        {
            var previous = new int[b.Length + 1];
            var current = new int[b.Length + 1];
            for (var j = 0; j <= b.Length; j++) previous[j] = j;
            for (var i = 1; i <= a.Length; i++)
            {
                current[0] = i;
                for (var j = 1; j <= b.Length; j++)
                {
                    current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                }
                (previous, current) = (current, previous);
            }
            return previous[b.Length];
        }
    }
}
