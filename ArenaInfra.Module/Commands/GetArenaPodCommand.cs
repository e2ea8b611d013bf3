using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.RunPod;

namespace ArenaInfra.Commands
{
    [Cmdlet(VerbsCommon.Get, "ArenaPod", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPod))]
    public sealed class GetArenaPodCommand : ArenaApiCmdlet
    {
        private const string NameSet = "Name";
        private const string IdSet = "Id";

        private IReadOnlyList<ArenaPod>? _pods;

        [Parameter(ParameterSetName = NameSet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PodNameCompleter))]
        public string[]? Name { get; set; }

        [Parameter(ParameterSetName = IdSet, Mandatory = true)]
        [Alias("PodId")]
        [ValidateNotNullOrEmpty]
        public string[]? Id { get; set; }

        [Parameter]
        public ArenaPodStatus[]? Status { get; set; }

        /// <summary>Machine or pod names (wildcards allowed) to leave out.</summary>
        [Parameter]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PodNameCompleter))]
        public string[]? ExcludeName { get; set; }

        /// <summary>Include pods outside the fleet (without the config's prefix).</summary>
        [Parameter]
        public SwitchParameter All { get; set; }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == IdSet)
            {
                foreach (var id in Id!) WriteById(id);
                return;
            }

            // The same choosing as every pod command: names or machine names with wildcards, exclusions, and
            // (as Get-Process does) an error for a plain name that matches nothing, not for a wildcard.
            var selector = new PodSelector { IncludeOtherPods = All };
            selector.Names.AddRange(Name ?? Array.Empty<string>());
            selector.ExcludeNames.AddRange(ExcludeName ?? Array.Empty<string>());
            var selection = PodSelection.Select(ListPods(), selector, EffectiveConfig.Prefix);
            foreach (var pod in selection.Pods.Where(StatusMatches)) WriteObject(pod);
            foreach (var (error, target) in selection.Errors) WriteArenaError(error, target);
        }

        private void WriteById(string id)
        {
            var pod = CallRunPod((api, token) => api.GetPodAsync(id, token));
            if (pod == null)
            {
                WriteArenaError(new ArenaException(ArenaErrorIds.PodNotFound, ErrorCategory.ObjectNotFound,
                    $"RunPod has no pod with the id '{id}'.", "Check the id; Get-ArenaPod -All lists every pod with its id."), id);
            }
            else if (!pod.IsFleetPod && !All)
            {
                WriteArenaError(new ArenaException(ArenaErrorIds.PodNotInFleet, ErrorCategory.PermissionDenied,
                    $"The pod '{pod.Name}' ({id}) is not one of the fleet's pods (prefix '{EffectiveConfig.Prefix}-').",
                    "Add -All to work with pods outside the fleet."), id);
            }
            else if (StatusMatches(pod) && !(ExcludeName ?? Array.Empty<string>()).Any(x => PodSelection.Matches(new WildcardPattern(x, WildcardOptions.IgnoreCase), pod)))
            {
                WriteObject(pod);
            }
        }

        /// <summary>One list per invocation, sorted by name, limited to the fleet unless -All.</summary>
        private IReadOnlyList<ArenaPod> ListPods()
        {
            if (_pods != null) return _pods;
            var all = CallRunPod((api, token) => api.ListPodsAsync(token));
            _pods = all.Where(p => All || p.IsFleetPod)
                .OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase)
                .ThenBy(p => p.Id, StringComparer.Ordinal)
                .ToList();
            WriteVerbose($"RunPod lists {all.Count} pod(s); {_pods.Count} {(All ? "in all" : "in the fleet")}.");
            return _pods;
        }

        private bool StatusMatches(ArenaPod pod) => Status == null || Status.Length == 0 || Status.Contains(pod.Status);
    }
}
