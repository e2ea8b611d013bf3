using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Access;
using ArenaInfra.Operations;
using ArenaInfra.Ssh;

namespace ArenaInfra.Deploy
{
    /// <summary>
    /// The SSH side of Deploy-ArenaPod: the shared readiness board, then Initialize-ArenaPod's set-up,
    /// the roster sync, the secrets and the check, each the module's own PodOperation. At most
    /// throttle pods are worked on over SSH at once (waiting for SSH takes no slot), each on a thread
    /// of its own, since an SSH handshake blocks its thread.
    /// </summary>
    internal sealed class SshDeploySteps : IDeploySteps, IDisposable
    {
        private readonly ReadinessBoard _board;
        private readonly TimeSpan _readyTimeout;
        private readonly PodRoute _route;
        private readonly SshSettings _settings;
        private readonly PodSetupPlan _setup;
        private readonly RosterAccess? _roster;
        private readonly Func<ArenaPod, IReadOnlyList<(string Name, string Value)>>? _secrets;
        private readonly Func<PodOperation<ArenaPodTestResult>> _check;
        private readonly TimeSpan _stepTimeout;
        private readonly SemaphoreSlim _gate;

        public SshDeploySteps(ReadinessBoard board, TimeSpan readyTimeout, PodRoute route, SshSettings settings, PodSetupPlan setup, RosterAccess? roster,
            Func<ArenaPod, IReadOnlyList<(string Name, string Value)>>? secrets, Func<PodOperation<ArenaPodTestResult>> check, TimeSpan stepTimeout, int throttle)
        {
            _board = board;
            _readyTimeout = readyTimeout;
            _route = route;
            _settings = settings;
            _setup = setup;
            _roster = roster;
            _secrets = secrets;
            _check = check;
            _stepTimeout = stepTimeout;
            _gate = new SemaphoreSlim(Math.Max(1, throttle));
        }

        public Task<ArenaPod> WaitReadyAsync(ArenaPod pod, CancellationToken token) => _board.WaitAsync(pod, _readyTimeout, token);

        public async Task<ArenaPodOperationResult> SetUpAsync(ArenaPod pod, CancellationToken token) =>
            await RunAsync(pod, new PodSetupOperation(_setup) { Timeout = _stepTimeout }, token).ConfigureAwait(false);

        public async Task<ArenaPodOperationResult?> AccessAsync(ArenaPod pod, CancellationToken token) =>
            _roster == null ? null : await RunAsync(pod, _roster.Operation(_stepTimeout), token).ConfigureAwait(false);

        public async Task<ArenaPodOperationResult?> SecretsAsync(ArenaPod pod, CancellationToken token)
        {
            var secrets = _secrets?.Invoke(pod) ?? Array.Empty<(string, string)>();
            if (secrets.Count == 0) return null;
            return await RunAsync(pod, new PodSecretOperation(_ => secrets) { Timeout = _stepTimeout }, token).ConfigureAwait(false);
        }

        public Task<ArenaPodTestResult> CheckAsync(ArenaPod pod, CancellationToken token) => RunAsync(pod, _check(), token);

        private async Task<T> RunAsync<T>(ArenaPod pod, PodOperation<T> operation, CancellationToken token) where T : ArenaPodOperationResult, new()
        {
            var target = _route.TargetFor(pod);
            if (target == null) return operation.NotContacted(pod, "Connect", ArenaErrorIds.PodEndpointMissing, _route.NoAddress(pod));
            await _gate.WaitAsync(token).ConfigureAwait(false);
            try
            {
                return await Task.Factory.StartNew(() => operation.Run(target, _settings, token), token, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
            }
        }

        public void Dispose() => _gate.Dispose();
    }
}
