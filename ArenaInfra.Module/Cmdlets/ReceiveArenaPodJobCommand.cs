using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Jobs;
using ArenaInfra.Operations;
using ArenaInfra.Ssh;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsCommunications.Receive, "ArenaPodJob", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPodJobOutput))]
    public sealed class ReceiveArenaPodJobCommand : PodJobCmdlet
    {
        [Parameter]
        [ValidateRange(1, 100000)]
        public int Tail { get; set; } = 100;

        [Parameter]
        public SwitchParameter Follow { get; set; }

        [Parameter]
        [ValidateRange(0.2, 60)]
        public double IntervalSec { get; set; } = 1;

        /// <summary>Reading output changes nothing, so with no pods named it looks at the whole fleet.</summary>
        protected override PodDefault WhenNothingChosen => PodDefault.Fleet;

        private sealed class Followed
        {
            public Followed(ArenaPod pod, string id) { Pod = pod; Id = id; }
            public ArenaPod Pod { get; }
            public string Id { get; }
            public long Offset { get; set; }
        }

        protected override void EndProcessing()
        {
            var pods = ChosenPods();
            if (pods.Count == 0) return;
            var jobs = ReadJobs(pods, null, unknownAsJob: false);
            if (jobs.Count == 0) return;
            var route = Route();
            var settings = OpenSettings();
            // One session a pod for every read: following is one round trip a pod each interval, not a handshake.
            var sessions = new SshSessionPool();
            settings.Sessions = sessions;
            try
            {
                var followed = new List<Followed>();
                foreach (var job in jobs)
                {
                    var item = new Followed(pods.First(p => p.Id == job.PodId), job.JobId!);
                    var chunk = ReadChunk(item, null, route, settings);
                    if (chunk == null) continue;
                    var last = Follow && chunk.Alive;
                    var (lines, used) = JobLines.Complete(chunk.Bytes, takeUnfinished: !last || chunk.Bytes.Length >= PodJobOperation.Read.Cap && !chunk.Bytes.Contains((byte)'\n'));
                    // A read that starts inside the log most likely starts inside a line: that piece is not a line of its own.
                    if (chunk.Start > 0 && lines.Count > 1) lines.RemoveAt(0);
                    foreach (var line in lines.Skip(Math.Max(0, lines.Count - Tail))) WriteObject(new ArenaPodJobOutput(item.Pod.Name, item.Id, line));
                    item.Offset = chunk.Start + used;
                    if (last) followed.Add(item);
                }
                while (followed.Count > 0 && !CancellationToken.WaitHandle.WaitOne(TimeSpan.FromSeconds(IntervalSec)))
                {
                    foreach (var item in followed.ToList())
                    {
                        var chunk = ReadChunk(item, item.Offset, route, settings);
                        if (chunk == null) { followed.Remove(item); continue; }
                        var caughtUp = !chunk.Alive && chunk.Start + chunk.Bytes.Length >= chunk.Size;
                        var huge = chunk.Bytes.Length >= PodJobOperation.Read.Cap;
                        var (lines, used) = JobLines.Complete(chunk.Bytes, takeUnfinished: caughtUp);
                        if (used == 0 && huge) (lines, used) = JobLines.Complete(chunk.Bytes, takeUnfinished: true);
                        foreach (var line in lines) WriteObject(new ArenaPodJobOutput(item.Pod.Name, item.Id, line));
                        item.Offset = chunk.Start + used;
                        if (caughtUp)
                        {
                            WriteVerbose($"{item.Pod.Name}: job {item.Id} has ended and its output is all read.");
                            followed.Remove(item);
                        }
                    }
                }
            }
            finally
            {
                sessions.Dispose();
                Release(settings);
            }
        }

        /// <summary>One bounded read of a job's log; null (and the pod's error written) when it could not be read.</summary>
        private JobLogChunk? ReadChunk(Followed item, long? offset, PodRoute route, SshSettings settings)
        {
            JobLogChunk? chunk = null;
            RunOperation(new[] { item.Pod }, new PodJobOperation.Read(item.Id, offset), route, settings, batch =>
            {
                if (batch.Succeeded && batch.Chunk != null) chunk = batch.Chunk;
                else WritePodError(new ArenaException(batch.ErrorId ?? ArenaErrorIds.PodJobUnreadable, ErrorCategory.ReadError,
                    $"the output of job {item.Id} could not be read ({batch.FailedStep}: {batch.Error}).", "Get-ArenaPodJob shows the job's state; check the pod with Test-ArenaPod."), item.Pod.Name, item.Id);
            });
            return chunk;
        }
    }
}
