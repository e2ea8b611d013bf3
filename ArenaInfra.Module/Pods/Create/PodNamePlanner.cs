using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using ArenaInfra.Config;

namespace ArenaInfra.Pods.Create
{
    /// <summary>One pod New-ArenaPod would create.</summary>
    internal sealed class PlannedPod
    {
        public PlannedPod(string machineName, string podName)
        {
            MachineName = machineName;
            PodName = podName;
        }

        public string MachineName { get; }
        public string PodName { get; }
        public override string ToString() => PodName;
    }

    internal sealed class PodNamePlan
    {
        public List<PlannedPod> ToCreate { get; } = new List<PlannedPod>();
        /// <summary>Pod names that exist already: never created twice.</summary>
        public List<string> Existing { get; } = new List<string>();
        /// <summary>Of those, the machines made by hand (the hosts file's): a create named for one is refused, not skipped.</summary>
        public Dictionary<string, ArenaPod> MadeByHand { get; } = new Dictionary<string, ArenaPod>(StringComparer.Ordinal);
        public List<string> Warnings { get; } = new List<string>();
        public List<(ArenaException Error, string Name)> Errors { get; } = new List<(ArenaException, string)>();
    }

    /// <summary>Decides which pods to create: the first N names, N more unused names, or names given.</summary>
    internal static class PodNamePlanner
    {
        private static readonly Regex HostLabel = new Regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", RegexOptions.CultureInvariant);

        /// <summary>-Count N: the first N names of the list; those that exist are skipped.</summary>
        public static PodNamePlan FirstOfList(ArenaConfig config, int count, ISet<string> existingPodNames)
        {
            var naming = new FleetNaming(config.Prefix);
            var plan = new PodNamePlan();
            if (count > config.MachineNames.Length)
            {
                throw TooFew(config, count);
            }
            foreach (var machine in config.MachineNames.Take(count)) Add(plan, naming, machine, existingPodNames);
            return plan;
        }

        /// <summary>-Add N: the next N names of the list that no pod uses yet.</summary>
        public static PodNamePlan NextUnused(ArenaConfig config, int count, ISet<string> existingPodNames)
        {
            var naming = new FleetNaming(config.Prefix);
            var free = config.MachineNames.Where(m => !existingPodNames.Contains(naming.PodName(m))).Take(count).ToList();
            if (free.Count < count)
            {
                throw new ArenaException(ArenaErrorIds.InvalidConfigValue, ErrorCategory.LimitsExceeded,
                    $"Only {free.Count} machine names are unused, but {count} more pods were asked for.",
                    "Add names to MACHINE_NAME_LIST (MachineNames), or ask for fewer pods.");
            }
            var plan = new PodNamePlan();
            foreach (var machine in free) plan.ToCreate.Add(new PlannedPod(machine, naming.PodName(machine)));
            return plan;
        }

        /// <summary>-Name: machine names or full pod names; a name outside the list is allowed, with a warning.</summary>
        public static PodNamePlan Named(ArenaConfig config, IEnumerable<string> names, ISet<string> existingPodNames)
        {
            var naming = new FleetNaming(config.Prefix);
            var plan = new PodNamePlan();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var raw in names)
            {
                var name = raw.Trim();
                var machine = naming.MachineNameOf(name) ?? name;
                if (!HostLabel.IsMatch(machine) || config.Prefix.Length + 1 + machine.Length > 63)
                {
                    plan.Errors.Add((new ArenaException(ArenaErrorIds.InvalidPodName, ErrorCategory.InvalidArgument,
                        $"'{raw}' cannot be a machine name: use lower-case letters, digits and '-', at most {62 - config.Prefix.Length} characters.",
                        "Use one of the names in MachineNames (Get-ArenaConfig)."), raw));
                    continue;
                }
                if (!seen.Add(machine)) continue;
                if (Array.IndexOf(config.MachineNames, machine) < 0)
                {
                    plan.Warnings.Add($"'{machine}' is not in MachineNames, so it has no fixed proxy port; creating {naming.PodName(machine)} anyway.");
                }
                Add(plan, naming, machine, existingPodNames);
            }
            return plan;
        }

        private static void Add(PodNamePlan plan, FleetNaming naming, string machine, ISet<string> existing)
        {
            var podName = naming.PodName(machine);
            if (existing.Contains(podName)) plan.Existing.Add(podName);
            else plan.ToCreate.Add(new PlannedPod(machine, podName));
        }

        private static ArenaException TooFew(ArenaConfig config, int count) =>
            new ArenaException(ArenaErrorIds.InvalidConfigValue, ErrorCategory.LimitsExceeded,
                $"-Count {count} asks for more pods than MachineNames has names ({config.MachineNames.Length}).",
                "Add names to MACHINE_NAME_LIST (MachineNames), or ask for fewer pods.");
    }
}
