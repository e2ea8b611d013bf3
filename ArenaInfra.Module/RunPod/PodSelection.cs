using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace ArenaInfra.RunPod
{
    /// <summary>What the user asked for: pod objects (by their ids), ids, names with wildcards, exclusions.</summary>
    internal sealed class PodSelector
    {
        public List<string> Ids { get; } = new List<string>();
        public List<string> Names { get; } = new List<string>();
        public List<string> ExcludeNames { get; } = new List<string>();
        public bool IncludeOtherPods { get; set; }

        /// <summary>Nothing was chosen: no pod, id or name.</summary>
        public bool IsEmpty => Ids.Count == 0 && Names.Count == 0;

        /// <summary>Adds what one pipeline record (or the command line) chose.</summary>
        public void Add(IEnumerable<ArenaPod>? pods, IEnumerable<string>? ids, IEnumerable<string>? names)
        {
            foreach (var pod in pods ?? Enumerable.Empty<ArenaPod>()) Ids.Add(pod.Id);
            Ids.AddRange(ids ?? Enumerable.Empty<string>());
            Names.AddRange(names ?? Enumerable.Empty<string>());
        }
    }

    /// <summary>The pods a selector picks from a fresh list, and an error for each thing that picked nothing.</summary>
    internal sealed class PodSelection
    {
        private PodSelection(IReadOnlyList<ArenaPod> pods, IReadOnlyList<(ArenaException Error, object Target)> errors)
        {
            Pods = pods;
            Errors = errors;
        }

        public IReadOnlyList<ArenaPod> Pods { get; }
        public IReadOnlyList<(ArenaException Error, object Target)> Errors { get; }

        /// <summary>The chosen pods from a fresh list. An empty selector chooses nothing: the caller says '*' when it means the fleet.</summary>
        public static PodSelection Select(IReadOnlyList<ArenaPod> current, PodSelector selector, string prefix)
        {
            var chosen = new Dictionary<string, ArenaPod>(StringComparer.Ordinal);
            var errors = new List<(ArenaException, object)>();
            var candidates = current.Where(p => p.Status != ArenaPodStatus.Terminated && (selector.IncludeOtherPods || p.IsFleetPod)).ToList();

            foreach (var id in selector.Ids.Distinct(StringComparer.Ordinal))
            {
                var pod = current.FirstOrDefault(p => p.Id == id && p.Status != ArenaPodStatus.Terminated);
                if (pod == null)
                {
                    errors.Add((new ArenaException(ArenaErrorIds.PodNotFound, ErrorCategory.ObjectNotFound,
                        $"{id}: RunPod has no pod with this id (it may have been removed).", "Run Get-ArenaPod to see the pods there are."), id));
                }
                else if (!pod.IsFleetPod && !selector.IncludeOtherPods)
                {
                    errors.Add((new ArenaException(ArenaErrorIds.PodNotInFleet, ErrorCategory.PermissionDenied,
                        $"{pod.Name}: this pod ({id}) is not one of the fleet's pods (prefix '{prefix}-').", "Add -All to work with pods outside the fleet."), id));
                }
                else
                {
                    chosen[pod.Id] = pod;
                }
            }

            foreach (var name in selector.Names)
            {
                var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                var matched = candidates.Where(p => Matches(pattern, p)).ToList();
                foreach (var pod in matched) chosen[pod.Id] = pod;
                if (matched.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
                {
                    // The pod is there, just not in the fleet: say so, and how to include it.
                    var outside = selector.IncludeOtherPods ? null : current.FirstOrDefault(p => p.Status != ArenaPodStatus.Terminated && !p.IsFleetPod && Matches(pattern, p));
                    if (outside != null)
                    {
                        errors.Add((new ArenaException(ArenaErrorIds.PodNotInFleet, ErrorCategory.PermissionDenied,
                            $"{name}: this pod ({outside.Id}) exists, but outside the fleet (its name lacks the prefix '{prefix}-'), so it is left out.",
                            "Add -All to include pods outside the fleet."), name));
                        continue;
                    }
                    errors.Add((new ArenaException(ArenaErrorIds.PodNotFound, ErrorCategory.ObjectNotFound,
                        $"{name}: no {(selector.IncludeOtherPods ? "" : "fleet ")}pod has this name.",
                        selector.IncludeOtherPods ? "Run Get-ArenaPod -All to see every pod." : $"Run Get-ArenaPod to see the fleet's pods (prefix '{prefix}-'), or add -All."), name));
                }
            }

            var excluded = selector.ExcludeNames.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
            var pods = chosen.Values
                .Where(p => !excluded.Any(x => Matches(x, p)))
                .OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase)
                .ToList();
            return new PodSelection(pods, errors);
        }

        public static bool Matches(WildcardPattern pattern, ArenaPod pod) =>
            pattern.IsMatch(pod.Name) || (pod.MachineName != null && pattern.IsMatch(pod.MachineName));
    }
}
