using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace ArenaInfra.Common
{
    /// <summary>
    /// What a batch below the cmdlets (a creation, a replacement) needs from the command that runs it:
    /// work run with its log written as it goes, a progress bar over many items, one confirmation, and
    /// the command's own streams. All calls come from the pipeline thread; the batch's callbacks run there too.
    /// </summary>
    internal interface IBatchHost
    {
        IArenaLog Log { get; }

        /// <summary>Runs async work off the pipeline thread while its log lines reach the user; an ArenaException comes back as thrown.</summary>
        T Run<T>(Func<CancellationToken, Task<T>> work);

        /// <summary>Works on every item, at most throttle at once, with a progress bar; each result or error is handled on the pipeline thread.</summary>
        void RunEach<TItem, TResult>(IReadOnlyList<TItem> items, int throttle, string activity,
            Func<TItem, CancellationToken, Task<TResult>> work, Action<TItem, TResult> onResult, Action<TItem, ArenaException> onError);

        /// <summary>The batch's one confirmation; false: nothing is to be done (-WhatIf, or the user said no).</summary>
        bool Confirm(string action, string question, string caption);

        void Verbose(string message);

        void Warning(string message);

        /// <summary>A non-terminating error about one pod, its message starting with the pod's name.</summary>
        void PodError(ArenaException error, string podName, object? target);

        /// <summary>A non-terminating error about something else (the proxy).</summary>
        void Error(ArenaException error, object? target);
    }
}
