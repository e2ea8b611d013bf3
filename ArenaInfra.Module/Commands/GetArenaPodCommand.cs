using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

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

            var pods = ListPods();
            var patterns = (Name ?? new[] { "*" }).Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToArray();
            foreach (var pod in pods.Where(p => patterns.Any(w => Matches(w, p))).Where(StatusMatches))
            {
                WriteObject(pod);
            }

            // As Get-Process does: a plain name that matches nothing is an error, a wildcard that matches nothing is not.
            foreach (var name in (Name ?? Array.Empty<string>()).Where(n => !WildcardPattern.ContainsWildcardCharacters(n)))
            {
                var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                if (!pods.Any(p => Matches(pattern, p)))
                {
                    WriteArenaError(new ArenaException(ArenaErrorIds.PodNotFound, ErrorCategory.ObjectNotFound,
                        $"No {(All ? "" : "fleet ")}pod is named '{name}'.",
                        All ? "Run Get-ArenaPod -All to see every pod." : $"Run Get-ArenaPod to see the fleet's pods (prefix '{EffectiveConfig.Prefix}-'), or add -All."), name);
                }
            }
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
            else if (StatusMatches(pod))
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

        private static bool Matches(WildcardPattern pattern, ArenaPod pod) =>
            pattern.IsMatch(pod.Name) || (pod.MachineName != null && pattern.IsMatch(pod.MachineName));

        private bool StatusMatches(ArenaPod pod) =>
            (Status == null || Status.Length == 0 || Status.Contains(pod.Status))
            && (ExcludeName == null || !ExcludeName.Any(x => Matches(new WildcardPattern(x, WildcardOptions.IgnoreCase), pod)));
    }
}
