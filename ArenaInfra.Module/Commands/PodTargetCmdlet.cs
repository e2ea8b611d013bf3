using System.Collections.Generic;
using System.Management.Automation;
using ArenaInfra.RunPod;

namespace ArenaInfra.Commands
{
    /// <summary>
    /// A cmdlet that acts on chosen pods: ArenaPod objects from the pipeline, ids, or names with
    /// wildcards (all fleet pods when none is given). It gathers the whole pipeline first, takes one
    /// fresh list from RunPod, and then acts on the batch, so a batch needs one confirmation.
    /// </summary>
    public abstract class PodTargetCmdlet : ArenaApiCmdlet
    {
        protected const string NameSet = "Name";
        protected const string IdSet = "Id";
        protected const string InputObjectSet = "InputObject";

        private readonly PodSelector _selector = new PodSelector();

        [Parameter(ParameterSetName = InputObjectSet, Mandatory = true, ValueFromPipeline = true)]
        [ValidateNotNull]
        public ArenaPod[]? InputObject { get; set; }

        [Parameter(ParameterSetName = IdSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PodId")]
        [ValidateNotNullOrEmpty]
        public string[]? Id { get; set; }

        [Parameter(ParameterSetName = NameSet, Position = 0, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PodNameCompleter))]
        public string[]? Name { get; set; }

        [Parameter]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PodNameCompleter))]
        public string[]? ExcludeName { get; set; }

        /// <summary>Allow pods outside the fleet (without the config's prefix).</summary>
        [Parameter]
        public SwitchParameter All { get; set; }

        protected override void ProcessRecord()
        {
            foreach (var pod in InputObject ?? new ArenaPod[0]) _selector.Ids.Add(pod.Id);
            _selector.Ids.AddRange(Id ?? new string[0]);
            _selector.Names.AddRange(Name ?? new string[0]);
        }

        protected override void EndProcessing()
        {
            _selector.ExcludeNames.AddRange(ExcludeName ?? new string[0]);
            _selector.IncludeOtherPods = All;
            var current = CallRunPod((api, token) => api.ListPodsAsync(token));
            var selection = PodSelection.Select(current, _selector, EffectiveConfig.Prefix);
            foreach (var (error, target) in selection.Errors) WriteArenaError(error, target);
            Act(selection.Pods);
        }

        /// <summary>Does the cmdlet's work on the chosen pods (fresh from RunPod, sorted by name).</summary>
        protected abstract void Act(IReadOnlyList<ArenaPod> pods);

        protected static string Describe(IReadOnlyList<ArenaPod> pods)
        {
            var names = new List<string>();
            foreach (var pod in pods) names.Add(pod.Name);
            return $"{pods.Count} pod{(pods.Count == 1 ? "" : "s")}: {string.Join(", ", names)}";
        }
    }
}
