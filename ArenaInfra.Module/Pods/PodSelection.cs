using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace ArenaInfra.Pods
{
    /// <summary>What the user asked for: pod objects (by their ids), ids, names with wildcards, exclusions.</summary>
    internal sealed class PodSelector
    {
        public List<string> Ids { get; } = new List<string>();
        public List<string> Names { get; } = new List<string>();
        public List<string> ExcludeNames { get; } = new List<string>();
        public bool IncludeOtherPods { get; set; }

        /// <summary>Shows every pod of a duplicated name, with a warning, instead of refusing it: what Get-ArenaPod does.</summary>
        public bool ShowDuplicates { get; set; }

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
        private PodSelection(IReadOnlyList<ArenaPod> pods, IReadOnlyList<(ArenaException Error, object Target)> errors, IReadOnlyList<string> warnings)
        {
            Pods = pods;
            Errors = errors;
            Warnings = warnings;
        }

        public IReadOnlyList<ArenaPod> Pods { get; }
        public IReadOnlyList<(ArenaException Error, object Target)> Errors { get; }
        public IReadOnlyList<string> Warnings { get; }

        /// <summary>
        /// Names that two or more live pods carry. Anyone with the account can create a pod under any
        /// name, so such a name no longer says which pod is the fleet's: whatever is keyed by the name
        /// (a backup folder, a restore, an ssh or nginx route, secrets) could reach the impostor.
        /// </summary>
        public static IReadOnlyDictionary<string, IReadOnlyList<ArenaPod>> Duplicates(IEnumerable<ArenaPod> pods) =>
            pods.Where(p => p.Status != ArenaPodStatus.Terminated)
                .GroupBy(p => p.Name, StringComparer.OrdinalIgnoreCase)
                .Where(g => g.Count() > 1)
                .ToDictionary(g => g.Key, g => (IReadOnlyList<ArenaPod>)g.OrderBy(p => p.Id, StringComparer.Ordinal).ToList(), StringComparer.OrdinalIgnoreCase);

        /// <summary>The refusal of a duplicated name: what it means and how to resolve it.</summary>
        public static ArenaException DuplicateError(string name, IReadOnlyList<ArenaPod> pods, string done) =>
            new ArenaException(ArenaErrorIds.DuplicatePodName, ErrorCategory.InvalidOperation,
                $"{name}: {pods.Count} pods have this name ({string.Join(", ", pods.Select(p => p.Id))}). Anyone with the account can create a pod under any name, so the name no longer says which pod is the fleet's; {done}.",
                $"Remove the pod that should not be there (Remove-ArenaPod -Id <id>; Get-ArenaPod -Name {name} shows both), or choose one by its id (-Id).",
                target: name);

        /// <summary>The warning Get-ArenaPod gives when it shows every pod of a duplicated name.</summary>
        public static string DuplicateWarning(string name, IReadOnlyList<ArenaPod> pods) =>
            $"{name}: {pods.Count} pods have this name ({string.Join(", ", pods.Select(p => p.Id))}); every command that acts on it by name refuses it (DuplicatePodName) until one is removed (Remove-ArenaPod -Id <id>) or one is chosen by -Id.";

        /// <summary>The chosen pods from a fresh list. An empty selector chooses nothing: the caller says '*' when it means the fleet.</summary>
        public static PodSelection Select(IReadOnlyList<ArenaPod> current, PodSelector selector, string prefix)
        {
            var chosen = new Dictionary<string, ArenaPod>(StringComparer.Ordinal);
            var byName = new HashSet<string>(StringComparer.Ordinal);
            var errors = new List<(ArenaException, object)>();
            var warnings = new List<string>();
            var candidates = current.Where(p => p.Status != ArenaPodStatus.Terminated && (selector.IncludeOtherPods || p.IsFleetPod)).ToList();

            // Thousands of piped pods are thousands of ids: each is a lookup, the first live pod with it as before.
            var liveById = new Dictionary<string, ArenaPod>(StringComparer.Ordinal);
            if (selector.Ids.Count > 0)
            {
                foreach (var pod in current)
                {
                    if (pod.Status != ArenaPodStatus.Terminated && !liveById.ContainsKey(pod.Id)) liveById.Add(pod.Id, pod);
                }
            }
            foreach (var id in selector.Ids.Distinct(StringComparer.Ordinal))
            {
                var pod = liveById.TryGetValue(id, out var found) ? found : null;
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
                foreach (var pod in matched)
                {
                    chosen[pod.Id] = pod;
                    byName.Add(pod.Id);
                }
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

            // A duplicated name chosen by name, or with more than one of its pods chosen, is refused:
            // only an id says which pod is meant. Get-ArenaPod shows them all, with a warning.
            var duplicates = Duplicates(current);
            var chosenByName = duplicates.Count == 0 ? null : pods.ToLookup(p => p.Name, StringComparer.OrdinalIgnoreCase);
            foreach (var duplicate in duplicates)
            {
                // Each name is its own group: removing one name's pods leaves the others' as they were.
                var mine = chosenByName![duplicate.Key].ToList();
                if (mine.Count == 0) continue;
                if (selector.ShowDuplicates)
                {
                    warnings.Add(DuplicateWarning(duplicate.Key, duplicate.Value));
                }
                else if (mine.Count > 1 || mine.Any(p => byName.Contains(p.Id)))
                {
                    errors.Add((DuplicateError(duplicate.Key, duplicate.Value, "it was left out, and none of its pods was touched"), duplicate.Key));
                    var refused = new HashSet<ArenaPod>(mine);
                    pods.RemoveAll(refused.Contains);
                }
            }
            return new PodSelection(pods, errors, warnings);
        }

        public static bool Matches(WildcardPattern pattern, ArenaPod pod) =>
            pattern.IsMatch(pod.Name) || (pod.MachineName != null && pattern.IsMatch(pod.MachineName));
    }
}
