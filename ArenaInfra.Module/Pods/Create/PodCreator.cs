using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using ArenaInfra.RunPod;

namespace ArenaInfra.Pods.Create
{
    /// <summary>
    /// Creates one pod and never two. (A 429 means nothing was created: the HTTP layer waits and sends
    /// it again itself.) A create whose fate is unknown (no answer, a dropped
    /// connection, a 5xx after the server may have committed) is followed by a look for the name
    /// before anything is sent again.
    /// </summary>
    internal sealed class PodCreator
    {
        private readonly IRunPodApi _api;
        private readonly IArenaLog _log;
        private readonly int _maxAttempts;
        private readonly TimeSpan _retryDelay;

        private readonly CreateJournal? _journal;

        public PodCreator(IRunPodApi api, IArenaLog log, int maxAttempts = 4, TimeSpan? retryDelay = null, CreateJournal? journal = null)
        {
            _api = api;
            _log = log;
            _maxAttempts = maxAttempts;
            _retryDelay = retryDelay ?? TimeSpan.FromSeconds(1);
            _journal = journal;
        }

        /// <summary>Creates the pod; a create still unanswered when cancelled stays in the journal, so a re-run leaves its name alone.</summary>
        public async Task<ArenaPod> CreateAsync(PodCreateSpec spec, CancellationToken cancellationToken)
        {
            _journal?.Begin(spec.Name);
            try
            {
                var pod = await CreateOnceAsync(spec, cancellationToken).ConfigureAwait(false);
                _journal?.End(spec.Name);
                return pod;
            }
            catch (ArenaException e) when (!IsAmbiguous(e))
            {
                // A clear refusal: nothing was made.
                _journal?.End(spec.Name);
                throw;
            }
        }

        private int _noFunds;

        private async Task<ArenaPod> CreateOnceAsync(PodCreateSpec spec, CancellationToken cancellationToken)
        {
            for (var attempt = 1; ; attempt++)
            {
                // Once RunPod says the account has no funds, no other pod of the batch can succeed: none is sent.
                if (Volatile.Read(ref _noFunds) != 0)
                {
                    throw new ArenaException(ArenaErrorIds.InsufficientBalance, System.Management.Automation.ErrorCategory.QuotaExceeded,
                        $"{spec.Name}: not created: RunPod refused another pod of this batch for lack of funds, so this one was not sent.",
                        "Add funds to the RunPod account (console > Billing), then run the command again.");
                }
                try
                {
                    return await _api.CreatePodAsync(spec, cancellationToken).ConfigureAwait(false);
                }
                catch (ArenaException e) when (e.ErrorId == ArenaErrorIds.InsufficientBalance)
                {
                    Interlocked.Exchange(ref _noFunds, 1);
                    throw;
                }
                // Only RunPod's creates are looked up and sent again: another provider's list may be the last
                // one kept while it does not answer, so a missing name there proves nothing, and a Vast.ai
                // rent sent twice is two machines billing.
                catch (ArenaException e) when (IsAmbiguous(e) && spec.Provider == ArenaProvider.RunPod)
                {
                    _log.Verbose($"Create {spec.Name}: the answer was lost ({e.ErrorId}); looking for the pod before trying again.");
                    var existing = await FindAsync(spec.Name, cancellationToken).ConfigureAwait(false);
                    if (existing != null)
                    {
                        _log.Verbose($"Create {spec.Name}: RunPod did create it ({existing.Id}); not creating it again.");
                        return existing;
                    }
                    if (attempt >= _maxAttempts) throw;
                    _log.Verbose($"Create {spec.Name}: no such pod exists; trying again (attempt {attempt + 1} of {_maxAttempts}).");
                }
                await Task.Delay(TimeSpan.FromTicks(_retryDelay.Ticks * attempt), cancellationToken).ConfigureAwait(false);
            }
        }

        private async Task<ArenaPod?> FindAsync(string name, CancellationToken cancellationToken)
        {
            var pods = await _api.ListPodsAsync(cancellationToken).ConfigureAwait(false);
            return pods.Where(p => p.Name == name && p.Status != ArenaPodStatus.Terminated).OrderBy(p => p.Id, StringComparer.Ordinal).FirstOrDefault();
        }

        /// <summary>No answer, a broken answer, or a gateway error: the pod may or may not exist.</summary>
        internal static bool IsAmbiguous(ArenaException e) =>
            e.ErrorId == ArenaErrorIds.ApiUnreachable
            || e.ErrorId == ArenaErrorIds.InvalidResponse
            || (e.HttpStatus is int status && status >= 500);
    }
}
