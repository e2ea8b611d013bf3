using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Config;
using ArenaInfra.Llm;

namespace ArenaInfra.Cmdlets
{
    /// <summary>
    /// Revokes program keys by name (key or machine, wildcards) or hash, each seen gone afterwards.
    /// Pods need not exist: a key outlives its pod until this runs. Never every key by default.
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "ArenaLlmKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(ArenaLlmKeyResult))]
    public sealed class RemoveArenaLlmKeyCommand : ArenaApiCmdlet
    {
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? Name { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[]? Hash { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        private readonly List<string> _names = new List<string>();
        private readonly List<string> _hashes = new List<string>();

        protected override void ProcessRecord()
        {
            // A key from Get-ArenaLlmKey brings its name and its hash: the hash alone says which key.
            if (Hash != null) _hashes.AddRange(Hash);
            else if (Name != null) _names.AddRange(Name);
        }

        protected override void EndProcessing()
        {
            if (_names.Count == 0 && _hashes.Count == 0)
            {
                if (MyInvocation.ExpectingInput) return;
                ThrowArenaError(new ArenaException(ArenaErrorIds.SelectionRequired, ErrorCategory.InvalidArgument,
                    "Remove-ArenaLlmKey revokes keys, so it never chooses every key by itself; nothing was done.",
                    "Name them (-Name alpha), pipe them (Get-ArenaLlmKey | Remove-ArenaLlmKey), or give -Name * for every program key."));
            }
            var naming = new FleetNaming(EffectiveConfig.Prefix);
            var api = LlmKeys;
            var keys = LlmKeyWork.ProgramKeys(Run(token => api.ListKeysAsync(token)), naming);
            var chosen = new List<LlmKeyRecord>();
            foreach (var hash in _hashes.Distinct())
            {
                var key = keys.FirstOrDefault(k => k.Hash == hash);
                if (key != null) chosen.Add(key);
                else WriteArenaError(NotFound($"No program key has the hash '{hash}'"), hash);
            }
            foreach (var name in _names.Distinct())
            {
                var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                var found = keys.Where(k => pattern.IsMatch(k.Name) || pattern.IsMatch(naming.MachineNameOf(k.Name)!)).ToList();
                chosen.AddRange(found);
                if (found.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name)) WriteArenaError(NotFound($"No program key is named '{name}' or '{naming.PodName(name)}'"), name);
            }
            chosen = chosen.GroupBy(k => k.Hash).Select(g => g.First()).OrderBy(k => k.Name, System.StringComparer.Ordinal).ToList();
            if (chosen.Count == 0) return;
            var what = $"Revoke {chosen.Count} OpenRouter key{(chosen.Count == 1 ? "" : "s")}: {string.Join(", ", chosen.Select(k => TerminalText.SafeLine(k.Name)))}";
            if (!ConfirmBatch(what, what + "? Whatever uses them stops working.", "Revoke LLM keys", Force)) return;
            var results = new List<ArenaLlmKeyResult>();
            foreach (var key in chosen)
            {
                try
                {
                    Run(token => LlmKeyWork.RevokeAsync(api, key.Hash, key.Name, Log, token));
                    results.Add(new ArenaLlmKeyResult { Name = key.Name, Action = ArenaLlmKeyAction.Removed, Hash = key.Hash, Label = key.Label, LimitUsd = key.LimitUsd, Succeeded = true });
                }
                catch (ArenaException e)
                {
                    results.Add(new ArenaLlmKeyResult { Name = key.Name, Action = ArenaLlmKeyAction.Failed, Hash = key.Hash, ErrorId = e.ErrorId, Error = e.Message, Fix = LlmKeyWork.RemoveCommand(key.Hash) });
                    WriteArenaError(e, key.Hash);
                }
                WriteObject(results[results.Count - 1]);
            }
            WriteSummary(ArenaBatchSummary.Of(MyInvocation.MyCommand.Name, "revoked", results.Where(r => r.Succeeded).Select(r => r.Name), results.Where(r => !r.Succeeded).Select(r => $"{r.Name} ({r.ErrorId})")), results.Any(r => !r.Succeeded));
        }

        private static ArenaException NotFound(string what) => new ArenaException(ArenaErrorIds.LlmKeyNotFound, ErrorCategory.ObjectNotFound,
            $"{TerminalText.SafeLine(what)} on OpenRouter.", "Get-ArenaLlmKey lists the program's keys.");
    }
}
