using System.Linq;
using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Config;
using ArenaInfra.Llm;

namespace ArenaInfra.Cmdlets
{
    /// <summary>The program's OpenRouter keys (named &lt;prefix&gt;-&lt;machine&gt;) with their limit and use; the list is whole or the command fails.</summary>
    [Cmdlet(VerbsCommon.Get, "ArenaLlmKey")]
    [OutputType(typeof(ArenaLlmKey))]
    public sealed class GetArenaLlmKeyCommand : ArenaApiCmdlet
    {
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? Name { get; set; }

        private readonly System.Collections.Generic.List<string> _names = new System.Collections.Generic.List<string>();

        protected override void ProcessRecord()
        {
            if (Name != null) _names.AddRange(Name);
        }

        protected override void EndProcessing()
        {
            var naming = new FleetNaming(EffectiveConfig.Prefix);
            var api = LlmKeys;
            var keys = LlmKeyWork.ProgramKeys(Run(token => api.ListKeysAsync(token)), naming);
            var patterns = _names.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
            foreach (var key in keys)
            {
                var machine = naming.MachineNameOf(key.Name);
                if (patterns.Count == 0 || patterns.Any(p => p.IsMatch(key.Name) || (machine != null && p.IsMatch(machine)))) WriteObject(LlmKeyWork.ToPublic(key, naming));
            }
            WriteVerbose($"{keys.Count} program key{(keys.Count == 1 ? "" : "s")} on OpenRouter (names starting '{naming.Prefix}-').");
        }
    }
}
