using System;
using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsData.Sync, "ArenaPodAccess", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPodAccessResult))]
    public sealed class SyncArenaPodAccessCommand : SshFleetCmdlet
    {
        [PSDefaultValue(Help = "RosterPath from the config")]
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? RosterPath { get; set; }

        [Parameter]
        [ValidateRange(1, 600)]
        public int TimeoutSec { get; set; } = 60;

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override PodDefault WhenNothingChosen => PodDefault.Refuse;

        protected override void EndProcessing()
        {
            var pods = ChosenPods();
            if (pods.Count == 0) return;
            var access = LoadRoster(RosterPath);
            var what = $"Make {Describe(pods)} trust exactly the organiser and the participants the roster assigns to each ({access.Participants.Count} in the roster)";
            if (!ConfirmBatch(what, what + "?", "Sync access", Force)) return;
            RunOperation(pods, access.Operation(TimeSpan.FromSeconds(TimeoutSec)), result =>
            {
                if (result.UnmanagedKeys.Length > 0)
                {
                    WriteWarning($"{result.Name}: {result.UnmanagedKeys.Length} key(s) outside the module's block still let someone in: {string.Join("; ", result.UnmanagedKeys)}. A participant with root can add them; see UnmanagedKeys, and replace the pod if they should not be there.");
                }
                WriteObject(result);
            }, "synced");
        }
    }
}
