using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using ArenaInfra.Backup;
using ArenaInfra.Common;
using ArenaInfra.Operations;
using ArenaInfra.Pods;
using ArenaInfra.Proxy;
using ArenaInfra.RunPod;
using ArenaInfra.Ssh;

namespace ArenaInfra.Repair
{
    /// <summary>The replaced pods of one batch, sorted by name, and how the batch went.</summary>
    internal sealed class RepairOutcome
    {
        public RepairOutcome(IReadOnlyList<ArenaPodRepairResult> results)
        {
            Results = results;
            Summary = ArenaBatchSummary.Of(RepairBatch.CommandName, "replaced", results);
        }

        public IReadOnlyList<ArenaPodRepairResult> Results { get; }
        public ArenaBatchSummary Summary { get; }
        public bool AnyFailed => Results.Any(r => !r.Succeeded);
    }

    /// <summary>
    /// Replaces a batch of pods under their names, as Repair-ArenaPod does and Start-ArenaPod -ReplaceIfStuck
    /// asks: locked pods refused, both keys read before any pod is touched, one confirmation, each pod
    /// replaced by PodReplacer, then one proxy publish for the batch, recorded in every new pod's result.
    /// The caller holds the fleet lock from before the pods were chosen until this is done.
    /// </summary>
    internal sealed class RepairBatch
    {
        /// <summary>Whose batch it is in the summary, whichever command ran it.</summary>
        public const string CommandName = "Repair-ArenaPod";

        private readonly IRunPodApi _api;
        private readonly ArenaConfig _config;
        private readonly RepairOptions _options;
        private readonly RepairJournal _journal;
        private readonly IRepairHost _host;

        public RepairBatch(IRunPodApi api, ArenaConfig config, RepairOptions options, RepairJournal journal, IRepairHost host)
        {
            _api = api;
            _config = config;
            _options = options;
            _journal = journal;
            _host = host;
        }

        /// <summary>
        /// Replaces the chosen pods and carries on the replacements of the missing names the journal knows.
        /// Null when there was nothing to do or it was not confirmed. An ArenaException ends the batch before
        /// any pod is touched (a missing key, a broken roster, a bad -Secrets).
        /// </summary>
        public RepairOutcome? Run(IReadOnlyList<ArenaPod> chosen, IEnumerable<string> carriedOn)
        {
            // A replacement terminates the old pod, which RunPod refuses for a locked one: refused before anything is sent.
            var (able, refused) = Providers.ProviderLifecycle.Split(chosen);
            foreach (var pod in refused) _host.PodError(Providers.ProviderLifecycle.Refusal(pod, "replaced"), pod.Name, pod);
            var (pods, locked) = PodLock.Split(able);
            foreach (var pod in locked) _host.PodError(PodLock.Refusal(pod, "replaced"), pod.Name, pod);
            var work = pods.Select(p => (Name: p.Name, Pod: (ArenaPod?)p)).Concat(carriedOn.Select(n => (Name: n, Pod: (ArenaPod?)null))).ToList();
            if (work.Count == 0) return null;
            var plan = Plan(pods);
            var names = string.Join(", ", work.Select(w => w.Name));
            var publishes = _config.ProxyHost != null && !_options.NoPublish;
            var what = $"Replace {work.Count} pod{(work.Count == 1 ? "" : "s")} under the same name{(work.Count == 1 ? "" : "s")}: terminate, create anew, set up"
                + (plan.Restore == null ? "" : ", restore the work") + (plan.Secrets == null ? "" : ", set secrets") + $", test{(publishes ? ", publish the proxy config" : "")}: {names}."
                + " Terminating erases each old pod's container disk and volume.";
            if (!_host.Confirm(what, what + " Go ahead?", "Replace pods")) return null;

            var settings = _host.OpenSettings();
            var results = new List<ArenaPodRepairResult>();
            try
            {
                var replacer = new PodReplacer(_api, _config, plan, _host.Route(), settings, _journal, _host.Log);
                var entries = work.Select(w => (Entry: replacer.Entry(w.Name, w.Pod), w.Pod)).ToList();
                _host.RunEach(entries, _options.ThrottleLimit > 0 ? _options.ThrottleLimit : _config.ThrottleLimit, "Replacing pods",
                    (item, token) => replacer.ReplaceAsync(item.Entry, item.Pod, token),
                    (item, result) => results.Add(result),
                    (item, error) => _host.PodError(error, item.Entry.Name, item.Entry.Name));
            }
            finally
            {
                _host.Release(settings);
            }
            if (publishes && results.Any(r => r.NewPod != null)) PublishOnce(results);
            else if (_config.ProxyHost != null && _options.NoPublish)
            {
                var left = new ArenaRepairStep { Step = "Publish", Skipped = true, Succeeded = true, Detail = "left for later (-NoPublish): run Publish-ArenaProxyConfig" };
                foreach (var result in results.Where(r => r.NewPod != null)) result.Steps = result.Steps.Concat(new[] { left }).ToArray();
            }
            return new RepairOutcome(results.OrderBy(r => r.Name, StringComparer.Ordinal).ToList());
        }

        /// <summary>What each replacement does after the create, with everything it needs read now, before any pod is touched.</summary>
        private ReplacementPlan Plan(IReadOnlyList<ArenaPod> pods)
        {
            var secrets = ReadSecrets(pods);
            // Set up as Initialize-ArenaPod does; both keys read before any pod is touched: a missing key is
            // SshKeyNotFound, not a half-done replacement.
            var setup = PodSetupPlan.From(_config, _options.SkipSetup);
            setup.ReadGitKey();
            var publicKey = _host.Run(token => Task.Run(() => PublicKeyReader.Read(_config.SharedKeyPath, _host.Log), token));
            // The account's registered keys too, as New-ArenaPod gives them: read once, before any pod is touched.
            publicKey = _host.Run(token => AccountSshKeys.MergeAsync(_api, _config, publicKey, _host.Log, token));
            var restores = _options.BackupRoot != null || _options.FromBranch != null;
            return new ReplacementPlan
            {
                Setup = setup,
                Restore = !restores ? null : new RestoreRequest
                {
                    BackupRoot = _options.BackupRoot,
                    Label = _options.BackupLabel,
                    BranchLabel = _options.FromBranch,
                    RepoName = _config.RepoName,
                    RepoUrl = _config.RepoUrl,
                    Prefix = _config.Prefix,
                    // A new pod holds nothing of the participant's, but its fresh checkout's files are dated at the clone,
                    // later than the participant's edits of them: the backup wins, or their work would be left out as older.
                    OverwriteNewer = true,
                },
                Secrets = secrets,
                TestCommand = _options.TestCommand,
                CondaEnv = _config.CondaEnvName,
                ReadyTimeout = _options.ReadyTimeout,
                StepTimeout = _options.StepTimeout,
                PublicKey = publicKey,
                MaxCostPerHour = _options.MaxCostPerHour,
                Access = _config.RosterPath == null ? null : _host.LoadRoster(),
            };
        }

        /// <summary>-Secrets checked and read by RepairSecrets; null when none were given.</summary>
        private Func<ArenaPod, IReadOnlyList<(string Name, string Value)>>? ReadSecrets(IReadOnlyList<ArenaPod> pods)
        {
            if (_options.Secrets == null || _options.Secrets.Count == 0) return null;
            var warnings = new List<string>();
            var secrets = RepairSecrets.For(_options.Secrets, pods, warnings);
            foreach (var warning in warnings) _host.Warning(warning);
            return secrets;
        }

        /// <summary>One publish for the batch, recorded as the last step of every pod it carries.</summary>
        private void PublishOnce(List<ArenaPodRepairResult> results)
        {
            var clock = Stopwatch.StartNew();
            ArenaRepairStep step;
            try
            {
                var published = _host.Run(token => Task.Run(() => FleetProxy.Publish(_api, _config, _options.ProxyKeyPath, _options.KeyPassphrase, _options.HostKeyPolicy, _host.Log, _host.Log.Warning, token), token));
                step = new ArenaRepairStep { Step = "Publish", Succeeded = true, Duration = clock.Elapsed, Detail = published.ToString() };
            }
            catch (ArenaException e)
            {
                step = new ArenaRepairStep { Step = "Publish", Succeeded = false, Duration = clock.Elapsed, Detail = e.Message };
                _host.Error(e, _config.ProxyHost);
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
    }
}
