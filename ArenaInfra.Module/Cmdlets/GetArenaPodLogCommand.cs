using System;
using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsCommon.Get, "ArenaPodLog", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPodLogLine))]
    public sealed class GetArenaPodLogCommand : PodCmdlet
    {
        [Parameter]
        [ValidateRange(0, 5000)]
        public int Tail { get; set; } = 100;

        [Parameter]
        public SwitchParameter Follow { get; set; }

        [PSDefaultValue(Help = "both")]
        [Parameter]
        [ValidateSet("container", "system")]
        public string? Source { get; set; }

        protected override PodDefault WhenNothingChosen => PodDefault.Fleet;

        protected override void EndProcessing()
        {
            var pods = ChosenPods();
            RunEach(pods, Math.Max(1, Math.Min(pods.Count, 64)), "Reading pod logs",
                async (pod, token) =>
                {
                    await Api.ReadLogsAsync(pod.Id, Tail, Follow, Source, line => Post(() => WriteObject(new ArenaPodLogLine
                    {
                        Name = pod.Name,
                        MachineName = pod.MachineName,
                        PodId = pod.Id,
                        Source = line.Source,
                        Time = line.Time,
                        Line = line.Line,
                    })), token).ConfigureAwait(false);
                    return pod;
                },
                (pod, _) => WriteVerbose($"{pod.Name}: end of its log."),
                (pod, error) => WritePodError(error, pod.Name, pod));
        }
    }
}
