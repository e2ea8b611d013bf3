using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using ArenaInfra.Operations;

namespace ArenaInfra.Jobs
{
    /// <summary>What one pod answered about its jobs: the jobs, the ids it does not have, a read of a log.</summary>
    internal sealed class PodJobBatch : ArenaPodOperationResult
    {
        public List<ArenaPodJob> Jobs { get; } = new List<ArenaPodJob>();
        public List<string> Missing { get; } = new List<string>();
        public JobLogChunk? Chunk { get; set; }
        /// <summary>Jobs Stop ended and saw gone, and those whose processes were still there.</summary>
        public List<string> StillAlive { get; } = new List<string>();
    }

    /// <summary>The job commands on one pod, each one remote command (a PodOperation, so run as every SSH command is).</summary>
    internal abstract class PodJobOperation : PodOperation<PodJobBatch>
    {
        /// <summary>Starts the command detached under a new id; the job is Running once its wrapper wrote its pid.</summary>
        public sealed class Start : PodJobOperation
        {
            private readonly string _command;
            public Start(string command) => _command = command;
            public override string Activity => "Starting the job on pods";

            protected override bool Work(PodSession pod, PodJobBatch result)
            {
                var id = JobId.New(DateTime.UtcNow);
                var job = JobRecords.New(pod.Pod, id);
                job.Command = _command;
                result.Jobs.Add(job);
                var output = pod.Shell(JobScripts.Start(id), PodCommandOperation.ScriptBytes(_command + "\n"));
                if (output.ExitCode != 0 || !output.StdOut.Contains("ARENA-JOB-STARTED"))
                {
                    job.State = ArenaPodJobState.NotStarted;
                    return pod.Fail("Start", PodSession.Last(output.StdErr, output.ExitCode), ArenaErrorIds.PodJobStartFailed);
                }
                job.State = ArenaPodJobState.Running;
                job.Started = DateTime.UtcNow;
                job.Succeeded = true;
                return true;
            }
        }

        /// <summary>Lists the pod's jobs, or the given ids (and which of them it does not have).</summary>
        public sealed class List : PodJobOperation
        {
            private readonly IReadOnlyList<string>? _ids;
            public List(IReadOnlyList<string>? ids) => _ids = ids;
            public override string Activity => "Reading jobs on pods";

            protected override bool Work(PodSession pod, PodJobBatch result)
            {
                if (_ids != null && _ids.Count == 0) return true;
                var output = pod.Shell(JobScripts.List(_ids));
                if (output.ExitCode != 0 || output.TimedOut) return pod.Check("List", output);
                var (jobs, missing) = JobRecords.ParseList(output.StdOut, pod.Pod);
                result.Jobs.AddRange(jobs.OrderBy(j => j.JobId, StringComparer.Ordinal));
                result.Missing.AddRange(missing);
                return true;
            }
        }

        /// <summary>Reads a job's log from an offset (or its end), at most Cap bytes.</summary>
        public sealed class Read : PodJobOperation
        {
            public const int Cap = 48 * 1024;
            private readonly string _id;
            private readonly long? _offset;
            public Read(string id, long? offset)
            {
                _id = id;
                _offset = offset;
            }

            public override string Activity => "Reading job output on pods";

            protected override bool Work(PodSession pod, PodJobBatch result)
            {
                var output = pod.Shell(JobScripts.Read(_id, _offset, Cap));
                if (output.ExitCode != 0 || output.TimedOut) return pod.Check("Read", output);
                result.Chunk = JobLogChunk.Parse(output.StdOut, Cap);
                return result.Chunk.Problem == null || pod.Fail("Read", result.Chunk.Problem, ArenaErrorIds.PodJobUnreadable);
            }
        }

        /// <summary>Ends each job's process group and checks it is gone; then reads the jobs again.</summary>
        public sealed class Stop : PodJobOperation
        {
            private readonly IReadOnlyDictionary<string, List<string>> _idsByPod;
            private readonly int _graceSec;

            /// <summary>The job ids to stop, by pod id: each pod is asked only for its own jobs.</summary>
            public Stop(IReadOnlyDictionary<string, List<string>> idsByPod, int graceSec)
            {
                _idsByPod = idsByPod;
                _graceSec = graceSec;
                Timeout = TimeSpan.FromSeconds(30 + (graceSec + 5) * Math.Max(1, idsByPod.Values.Select(v => v.Count).DefaultIfEmpty(1).Max()));
            }

            public override string Activity => "Stopping jobs on pods";

            protected override bool Work(PodSession pod, PodJobBatch result)
            {
                if (!_idsByPod.TryGetValue(pod.Pod.Id, out var ids) || ids.Count == 0) return true;
                var output = pod.Shell(JobScripts.Stop(ids, _graceSec));
                if (output.ExitCode != 0 || output.TimedOut) return pod.Check("Stop", output);
                var answered = new HashSet<string>(StringComparer.Ordinal);
                foreach (var line in output.StdOut.Split('\n'))
                {
                    var parts = line.TrimEnd('\r').Split(' ');
                    if (parts.Length != 3 || parts[0] != "ARENA-STOP" || !ids.Contains(parts[1])) continue;
                    answered.Add(parts[1]);
                    if (parts[2] == "alive") result.StillAlive.Add(parts[1]);
                }
                var list = pod.Shell(JobScripts.List(ids));
                if (list.ExitCode != 0 || list.TimedOut) return pod.Check("List", list);
                var (jobs, missing) = JobRecords.ParseList(list.StdOut, pod.Pod);
                result.Jobs.AddRange(jobs);
                result.Missing.AddRange(missing);
                foreach (var job in result.Jobs.Where(j => result.StillAlive.Contains(j.JobId!) || !answered.Contains(j.JobId!)))
                {
                    job.Succeeded = false;
                    job.ErrorId = ArenaErrorIds.PodJobStopFailed;
                    job.Error = "processes of the job's group were still there after TERM and KILL";
                }
                return result.Jobs.All(j => j.Succeeded);
            }
        }
    }
}
