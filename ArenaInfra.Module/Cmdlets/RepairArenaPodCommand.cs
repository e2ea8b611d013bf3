using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Security;
using ArenaInfra.Backup;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Operations;
using ArenaInfra.Pods;
using ArenaInfra.Proxy;
using ArenaInfra.Repair;
using ArenaInfra.Ssh;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsDiagnostic.Repair, "ArenaPod", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPodRepairResult))]
    public sealed class RepairArenaPodCommand : SshFleetCmdlet
    {
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? BackupSource { get; set; }

        [PSDefaultValue(Help = "the newest backup that finished")]
        [Parameter]
        [ValidatePattern("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
        public string? BackupLabel { get; set; }

        [Parameter]
        [ValidatePattern("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
        public string? FromBranch { get; set; }

        [Parameter]
        public Hashtable? Secrets { get; set; }

        [Parameter]
        [ValidateSet("CopyKey", "SshConfig", "Git", "Name", IgnoreCase = true)]
        public string[]? SkipSetup { get; set; }

        [PSDefaultValue(Help = "Test-ArenaPod's GPU check")]
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? TestCommand { get; set; }

        [PSDefaultValue(Help = "~/.ssh/id_ed25519, id_ecdsa or id_rsa")]
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ProxyKeyPath { get; set; }

        [Parameter]
        [ValidateRange(1, 86400)]
        public int ReadyTimeoutSec { get; set; } = 900;

        [Parameter]
        [ValidateRange(1, 86400)]
        public int TimeoutSec { get; set; } = 1800;

        [PSDefaultValue(Help = "None (no cap)")]
        [Parameter]
        [ValidateRange(0.001, 10000)]
        public decimal? MaxCostPerHour { get; set; }

        [Parameter]
        public SwitchParameter NoPublish { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override PodDefault WhenNothingChosen => PodDefault.Refuse;

        private RepairJournal? _journal;
        private RepairJournal Journal => _journal ??= RepairJournal.Open();

        /// <summary>A name whose pod is gone because an earlier run terminated it is carried on, not an error.</summary>
        protected override bool ExpectMissing(string nameOrId) => Journal.Get(PodName(nameOrId)) != null;

        private string PodName(string name)
        {
            var naming = new Config.FleetNaming(EffectiveConfig.Prefix);
            return naming.MachineNameOf(name) != null ? name : naming.PodName(name);
        }

        protected override void EndProcessing()
        {
            var config = EffectiveConfig;
            // A replacement terminates and creates: it holds the fleet lock from before the pods are
            // chosen (a fresh list) until it is done, so no other run creates under the same names meanwhile.
            using var fleetLock = TakeFleetLock("replaced");
            var pods = ChosenPods();
            // A replacement terminates the old pod, which RunPod refuses for a locked one: refused before anything is sent.
            var (unlocked, locked) = PodLock.Split(pods);
            foreach (var pod in locked) WritePodError(PodLock.Refusal(pod, "replaced"), pod.Name, pod);
            pods = unlocked;
            var work = pods.Select(p => (Name: p.Name, Pod: (ArenaPod?)p)).Concat(ExpectedMissing.Select(n => (Name: PodName(n), Pod: (ArenaPod?)null))).ToList();
            if (work.Count == 0) return;
            var secrets = ReadSecrets(pods);
            var skip = new HashSet<string>(SkipSetup ?? Array.Empty<string>(), StringComparer.OrdinalIgnoreCase);
            byte[] gitKey;
            string publicKey;
            try
            {
                // Both keys before any pod is touched: a missing key is SshKeyNotFound, not a half-done replacement.
                gitKey = PodSetupPlan.ReadGitKey(config.SharedKeyPath, skip);
                publicKey = RunWork(_ => PublicKeyReader.Read(config.SharedKeyPath, Log));
                // The account's registered keys too, as New-ArenaPod gives them: read once, before any pod is touched.
                publicKey = Run(token => RunPod.AccountSshKeys.MergeAsync(Api, config, publicKey, Log, token));
            }
            catch (ArenaException e)
            {
                throw Terminating(e);
            }
            var plan = new ReplacementPlan
            {
                Setup = new PodSetupPlan
                {
                    GitKey = gitKey,
                    GitKeyRemotePath = config.GitKeyRemotePath,
                    RepoName = config.RepoName,
                    RepoUrl = config.RepoUrl,
                    Branch = config.DefaultBranch,
                    Skip = skip,
                },
                Restore = BackupSource == null && FromBranch == null ? null : new RestoreRequest
                {
                    BackupRoot = BackupSource == null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(BackupSource),
                    Label = BackupLabel,
                    BranchLabel = FromBranch,
                    RepoName = config.RepoName,
                    RepoUrl = config.RepoUrl,
                    Prefix = config.Prefix,
                    // A new pod holds nothing of the participant's: what comes back is the latest there is.
                    OverwriteNewer = true,
                },
                Secrets = secrets,
                TestCommand = TestCommand,
                CondaEnv = config.CondaEnvName,
                ReadyTimeout = TimeSpan.FromSeconds(ReadyTimeoutSec),
                StepTimeout = TimeSpan.FromSeconds(TimeoutSec),
                PublicKey = publicKey,
                MaxCostPerHour = MaxCostPerHour,
                Access = config.RosterPath == null ? null : LoadRoster(null),
            };
            var names = string.Join(", ", work.Select(w => w.Name));
            var what = $"Replace {work.Count} pod{(work.Count == 1 ? "" : "s")} under the same name{(work.Count == 1 ? "" : "s")}: terminate, create anew, set up"
                + (plan.Restore == null ? "" : ", restore the work") + (secrets == null ? "" : ", set secrets") + $", test{(config.ProxyHost == null || NoPublish ? "" : ", publish the proxy config")}: {names}."
                + " Terminating erases each old pod's container disk and volume.";
            if (!ConfirmBatch(what, what + " Go ahead?", "Replace pods", Force)) return;

            var settings = OpenSettings();
            var results = new List<ArenaPodRepairResult>();
            try
            {
                var replacer = new PodReplacer(Api, config, plan, Route(), settings, Journal, Log);
                var entries = work.Select(w => (Entry: replacer.Entry(w.Name, w.Pod), w.Pod)).ToList();
                RunEach(entries, EffectiveThrottle, "Replacing pods",
                    (item, token) => replacer.ReplaceAsync(item.Entry, item.Pod, token),
                    (item, result) => results.Add(result),
                    (item, error) => WritePodError(error, item.Entry.Name, item.Entry.Name));
            }
            finally
            {
                Release(settings);
            }
            if (config.ProxyHost != null && !NoPublish && results.Any(r => r.NewPod != null)) PublishOnce(results);
            else if (config.ProxyHost != null && NoPublish)
            {
                var left = new ArenaRepairStep { Step = "Publish", Skipped = true, Succeeded = true, Detail = "left for later (-NoPublish): run Publish-ArenaProxyConfig" };
                foreach (var result in results.Where(r => r.NewPod != null)) result.Steps = result.Steps.Concat(new[] { left }).ToArray();
            }
            foreach (var result in results.OrderBy(r => r.Name, StringComparer.Ordinal)) WriteObject(result);
            WriteSummary(ArenaBatchSummary.Of(MyInvocation.MyCommand.Name, "replaced", results), results.Any(r => !r.Succeeded));
        }

        /// <summary>One publish for the batch, recorded as the last step of every pod it carries.</summary>
        private void PublishOnce(List<ArenaPodRepairResult> results)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            ArenaRepairStep step;
            try
            {
                var published = RunWork(token => FleetProxy.Publish(Api, EffectiveConfig, ProxyKeyPath == null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(ProxyKeyPath), KeyPassphrase, HostKeyPolicy, Log, Log.Warning, token));
                step = new ArenaRepairStep { Step = "Publish", Succeeded = true, Duration = clock.Elapsed, Detail = published.ToString() };
            }
            catch (ArenaException e)
            {
                step = new ArenaRepairStep { Step = "Publish", Succeeded = false, Duration = clock.Elapsed, Detail = e.Message };
                WriteArenaError(e, EffectiveConfig.ProxyHost);
            }
            foreach (var result in results.Where(r => r.NewPod != null))
            {
                result.Steps = result.Steps.Concat(new[] { step }).ToArray();
                if (!step.Succeeded && result.Succeeded)
                {
                    result.Succeeded = false;
                    result.FailedStep = "Publish";
                    result.ErrorId = ArenaErrorIds.ProxyCommandFailed;
                    result.Error = $"{step.Detail}; the new pod works, but the proxy still points at the old one: run Publish-ArenaProxyConfig";
                }
            }
        }

        /// <summary>-Secrets with CSV paths resolved, checked and read by RepairSecrets.</summary>
        private Func<ArenaPod, IReadOnlyList<(string Name, string Value)>>? ReadSecrets(IReadOnlyList<ArenaPod> pods)
        {
            if (Secrets == null || Secrets.Count == 0) return null;
            var given = new List<(string, object?)>();
            foreach (DictionaryEntry pair in Secrets)
            {
                var value = pair.Value is PSObject wrapped ? wrapped.BaseObject : pair.Value;
                given.Add((pair.Key?.ToString() ?? "", value is string path ? new RepairSecrets.CsvFile(SessionState.Path.GetUnresolvedProviderPathFromPSPath(path)) : value));
            }
            try
            {
                var warnings = new List<string>();
                var secrets = RepairSecrets.For(given, pods, warnings);
                foreach (var warning in warnings) WriteWarning(warning);
                return secrets;
            }
            catch (ArenaException e)
            {
                throw Terminating(e);
            }
        }
    }
}
