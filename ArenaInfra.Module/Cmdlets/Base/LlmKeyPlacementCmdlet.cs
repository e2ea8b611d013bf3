using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.Config;
using ArenaInfra.Llm;
using ArenaInfra.Operations;

namespace ArenaInfra.Cmdlets.Base
{
    /// <summary>
    /// New- and Reset-ArenaLlmKey: a key made for each chosen fleet pod and put on it through
    /// Set-ArenaPodSecret's path (PodSecretOperation: one line a variable, the value on standard
    /// input). The key lives only in memory on its way; a key that could not be placed is revoked
    /// and seen gone, so no key the pod does not have is left alive.
    /// </summary>
    public abstract class LlmKeyPlacementCmdlet : SshFleetCmdlet
    {
        [PSDefaultValue(Help = "LLM_KEY_LIMIT_USD (5 unless set)")]
        [Parameter]
        [ValidateRange(0.01, 100000)]
        public decimal LimitUsd { get; set; }

        [Parameter]
        [ValidatePattern("^[A-Za-z_][A-Za-z0-9_]*$")]
        public string VariableName { get; set; } = "OPENROUTER_API_KEY";

        [Parameter]
        [ValidateRange(1, 600)]
        public int TimeoutSec { get; set; } = 60;

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override PodDefault WhenNothingChosen => PodDefault.Refuse;

        internal FleetNaming Naming => new FleetNaming(EffectiveConfig.Prefix);

        internal decimal Limit
        {
            get
            {
                var limit = MyInvocation.BoundParameters.ContainsKey(nameof(LimitUsd)) ? LimitUsd : EffectiveConfig.LlmKeyLimitUsd;
                return UsdAmount.IsValid(limit) ? limit : throw Terminating(new ArenaException(ArenaErrorIds.InvalidArgument, ErrorCategory.InvalidArgument,
                    $"-LimitUsd {limit} is not an amount in cents above 0.", "Give a limit like 5 or 7.50."));
            }
        }

        /// <summary>The chosen fleet pods that can take a key now; every other one gets a Failed result and no key.</summary>
        internal List<ArenaPod> Placeable(IReadOnlyList<ArenaPod> pods, List<ArenaLlmKeyResult> results)
        {
            var naming = Naming;
            var ready = new List<ArenaPod>();
            foreach (var pod in pods)
            {
                if (naming.MachineNameOf(pod.Name) == null) results.Add(Failed(pod.Name, ArenaErrorIds.PodNotInFleet, "not a fleet pod (<prefix>-<machine>), so it gets no program key", null));
                else if (pod.Status != ArenaPodStatus.Running) results.Add(Failed(pod.Name, ArenaErrorIds.PodNotRunning, $"the pod is {pod.Status}, so a key could not be placed on it; none was made", $"Start-ArenaPod -Name {pod.Name}"));
                else ready.Add(pod);
            }
            return ready;
        }

        /// <summary>Makes a key for each pod, places it, and revokes (and sees gone) every key that could not be placed.</summary>
        internal void MakeAndPlace(IReadOnlyList<ArenaPod> pods, ArenaLlmKeyAction action, IDictionary<string, string> revokedByPod, List<ArenaLlmKeyResult> results)
        {
            if (pods.Count == 0) return;
            var api = LlmKeys;
            var limit = Limit;
            var made = new Dictionary<string, LlmKeyCreated>();
            foreach (var pod in pods)
            {
                try
                {
                    made[pod.Id] = Run(token => api.CreateKeyAsync(pod.Name, limit, token));
                    WriteVerbose($"{pod.Name}: made the key {made[pod.Id].Record.Hash} with a limit of ${limit}.");
                }
                catch (ArenaException e)
                {
                    results.Add(Failed(pod.Name, e.ErrorId, e.Message, null));
                }
            }
            var placing = pods.Where(p => made.ContainsKey(p.Id)).ToList();
            if (placing.Count == 0) return;
            var operation = new PodSecretOperation(pod => new[] { (VariableName, made[pod.Id].Secret) }) { Timeout = TimeSpan.FromSeconds(TimeoutSec) };
            var settings = OpenSettings();
            List<ArenaPodSecretResult> placed;
            try
            {
                placed = RunOperation(placing, operation, Route(), settings, _ => { });
            }
            finally
            {
                Release(settings);
            }
            foreach (var pod in placing)
            {
                var key = made[pod.Id].Record;
                var result = placed.FirstOrDefault(r => r.PodId == pod.Id);
                revokedByPod.TryGetValue(pod.Id, out var revoked);
                if (result != null && result.Succeeded)
                {
                    results.Add(new ArenaLlmKeyResult { Name = pod.Name, Action = action, Hash = key.Hash, Label = key.Label, LimitUsd = key.LimitUsd, Variable = VariableName, RevokedHash = revoked, Succeeded = true });
                    continue;
                }
                var why = result?.Error ?? "no result";
                try
                {
                    Run(token => LlmKeyWork.RevokeAsync(api, key.Hash, pod.Name, Log, token));
                    results.Add(Failed(pod.Name, ArenaErrorIds.LlmKeyNotPlaced, $"the key could not be put on the pod ({why}); it was revoked and is gone", $"{MyInvocation.MyCommand.Name} -Name {pod.Name}", revoked));
                }
                catch (ArenaException e)
                {
                    results.Add(Failed(pod.Name, ArenaErrorIds.LlmKeyRevokeUnverified, $"the key {key.Hash} could not be put on the pod ({why}) and its revocation was not seen done: {e.Message}", LlmKeyWork.RemoveCommand(key.Hash), revoked));
                }
            }
        }

        internal static ArenaLlmKeyResult Failed(string name, string errorId, string error, string? fix, string? revoked = null) =>
            new ArenaLlmKeyResult { Name = name, Action = ArenaLlmKeyAction.Failed, ErrorId = errorId, Error = error, Fix = fix, RevokedHash = revoked };

        /// <summary>
        /// Writes the results in name order and the batch's summary (shown when one failed), as every SSH
        /// command does; only a key left alive and unplaced is also an error, since it needs a hand.
        /// </summary>
        internal void Emit(List<ArenaLlmKeyResult> results, string done)
        {
            foreach (var result in results.OrderBy(r => r.Name, StringComparer.Ordinal))
            {
                WriteObject(result);
                if (result.ErrorId == ArenaErrorIds.LlmKeyRevokeUnverified)
                {
                    WritePodError(new ArenaException(ArenaErrorIds.LlmKeyRevokeUnverified, ErrorCategory.InvalidResult, result.Error!, "Then: " + result.Fix), result.Name, result.Name);
                }
            }
            WriteSummary(ArenaBatchSummary.Of(MyInvocation.MyCommand.Name, done, results.Where(r => r.Succeeded).Select(r => r.Name), results.Where(r => !r.Succeeded).Select(r => $"{r.Name} ({r.ErrorId})")), results.Any(r => !r.Succeeded));
        }
    }
}
