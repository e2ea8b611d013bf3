using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Operations;
using ArenaInfra.Ssh;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsDiagnostic.Test, "ArenaPod", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPodTestResult))]
    [OutputType(typeof(bool))]
    [OutputType(typeof(ArenaRosterAccessResult))]
    public sealed class TestArenaPodCommand : SshFleetCmdlet
    {
        [PSDefaultValue(Help = "the GPU check in the config's CondaEnvName")]
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Command { get; set; }

        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; } = 120;

        [Parameter]
        public SwitchParameter Quiet { get; set; }

        [Parameter]
        public SwitchParameter AsRoster { get; set; }

        [PSDefaultValue(Help = "RosterPath from the config")]
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? RosterPath { get; set; }

        protected override PodDefault WhenNothingChosen => PodDefault.Fleet;

        protected override void EndProcessing()
        {
            if (AsRoster)
            {
                TestAsRoster();
                return;
            }
            var operation = new PodTestOperation(Command, EffectiveConfig.CondaEnvName) { Timeout = System.TimeSpan.FromSeconds(TimeoutSec) };
            var results = RunOperation(ChosenPods(), operation, result => { if (!Quiet) WriteObject(result); }, "passed",
                all => ArenaPodTestSummary.Of(all));
            if (Quiet) WriteObject(results.Count > 0 && results.All(r => r.Passed));
        }

        /// <summary>Every participant's own key against every chosen pod: their machine must let them in, every other must refuse them.</summary>
        private void TestAsRoster()
        {
            var pods = ChosenPods();
            if (pods.Count == 0) return;
            var access = LoadRoster(RosterPath);
            var route = Route();
            var holes = new List<string>();
            var checks = 0;
            // One record of the pods' host keys for every participant's connections: read once, not once a participant.
            HostKeyStore hostKeys;
            try
            {
                hostKeys = HostKeyStore.Open();
            }
            catch (ArenaException e)
            {
                throw Terminating(e);
            }
            foreach (var participant in access.Participants.Where(p => access.Keys.ContainsKey(p.Id)))
            {
                var settings = OpenSettings(access.Keys[participant.Id].PrivateKeyPath, hostKeys);
                try
                {
                    var operation = new PodTestOperation(Command ?? "true", EffectiveConfig.CondaEnvName) { Timeout = System.TimeSpan.FromSeconds(TimeoutSec) };
                    foreach (var tried in RunOperation(pods, operation, route, settings, _ => { }).OrderBy(r => r.Name, System.StringComparer.Ordinal))
                    {
                        var result = access.Judge(participant, pods.First(p => p.Name == tried.Name), tried);
                        checks++;
                        if (result.Hole) holes.Add(result.ToString());
                        WriteObject(result);
                    }
                }
                finally
                {
                    Release(settings);
                }
            }
            WriteSummary(holes.Count == 0
                ? $"Test-ArenaPod -AsRoster: {checks} checks, every participant reaches their own machine and no other."
                : $"Test-ArenaPod -AsRoster: {holes.Count} of {checks} checks are not as the roster says: {string.Join("; ", holes)}. Sync-ArenaPodAccess makes the pods trust exactly their people.", holes.Count > 0);
        }
    }
}
