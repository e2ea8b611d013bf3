using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Access;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Common;
using ArenaInfra.Operations;
using ArenaInfra.Repair;
using ArenaInfra.Ssh;

namespace ArenaInfra.Cmdlets.Base
{
    /// <summary>A batch run by a cmdlet: its log, progress, errors and confirmation go to that cmdlet's streams, in order.</summary>
    internal class CmdletBatchHost : IBatchHost
    {
        private readonly ArenaCmdlet _cmdlet;
        private readonly bool _force;

        public CmdletBatchHost(ArenaCmdlet cmdlet, bool force)
        {
            _cmdlet = cmdlet;
            _force = force;
        }

        public IArenaLog Log => _cmdlet.Log;

        /// <summary>
        /// Runs a batch; an ArenaException out of it (a failure before any pod was touched) ends the command.
        /// After Ctrl+C, what stopped says (what the batch left behind) is shown although the pipeline takes no more output.
        /// </summary>
        public T EndsCommand<T>(Func<T> batch, Func<string?>? stopped = null)
        {
            try
            {
                return batch();
            }
            catch (ArenaException e)
            {
                _cmdlet.ThrowTerminatingError(ArenaCmdlet.ToErrorRecord(e, null, _cmdlet.AdviceShown));
                throw;
            }
            catch (PipelineStoppedException) when (stopped?.Invoke() is string left)
            {
                _cmdlet.Host.UI.WriteWarningLine(left);
                throw;
            }
        }

        // RunWork waits for the work on the pipeline thread, writing the log as it comes.
        public T Run<T>(Func<CancellationToken, Task<T>> work) => _cmdlet.RunWork(token => work(token).GetAwaiter().GetResult());

        public void RunEach<TItem, TResult>(IReadOnlyList<TItem> items, int throttle, string activity,
            Func<TItem, CancellationToken, Task<TResult>> work, Action<TItem, TResult> onResult, Action<TItem, ArenaException> onError) =>
            _cmdlet.RunEach(items, throttle, activity, work, onResult, onError);

        public bool Confirm(string action, string question, string caption) => _cmdlet.ConfirmBatch(action, question, caption, _force);

        public void Verbose(string message) => _cmdlet.WriteVerbose(message);

        public void Warning(string message) => _cmdlet.WriteWarning(message);

        public void PodError(ArenaException error, string podName, object? target) => _cmdlet.WritePodError(error, podName, target);

        public void Error(ArenaException error, object? target) => _cmdlet.WriteError(ArenaCmdlet.ToErrorRecord(error, target, _cmdlet.AdviceShown));
    }

    /// <summary>A replacement batch run by a cmdlet, with the SSH settings, route and roster that cmdlet gives.</summary>
    internal sealed class CmdletRepairHost : CmdletBatchHost, IRepairHost
    {
        private readonly Func<SshSettings> _open;
        private readonly Action<SshSettings> _release;
        private readonly Func<PodRoute> _route;
        private readonly Func<RosterAccess> _roster;

        public CmdletRepairHost(ArenaCmdlet cmdlet, bool force, Func<SshSettings> open, Action<SshSettings> release, Func<PodRoute> route, Func<RosterAccess> roster)
            : base(cmdlet, force)
        {
            _open = open;
            _release = release;
            _route = route;
            _roster = roster;
        }

        public SshSettings OpenSettings() => _open();

        public void Release(SshSettings settings) => _release(settings);

        public PodRoute Route() => _route();

        public RosterAccess LoadRoster() => _roster();
    }
}
