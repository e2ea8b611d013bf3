using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Pods;

namespace ArenaInfra.Cmdlets.Base
{
    /// <summary>What a pod command does when it was given no pods at all (no pipeline, no -Name, no -Id).</summary>
    public enum PodDefault
    {
        /// <summary>Reading commands: every fleet pod, as the old scripts did.</summary>
        Fleet,
        /// <summary>Commands that change pods: refuse with SelectionRequired, never the whole fleet by default.</summary>
        Refuse,
    }

    /// <summary>
    /// The one way every pod command chooses its pods: ArenaPod objects from the pipeline, -Name
    /// (position 0, wildcards, by property name so Import-Csv rows bind), -Id, -ExcludeName and -All.
    /// It gathers the whole pipeline first and resolves it against one fresh list from RunPod, so a
    /// batch is confirmed once. A command that got pipeline input acts on exactly that input: nothing
    /// if nothing came, and nothing more after a binding error.
    /// </summary>
    public abstract class PodCmdlet : ArenaApiCmdlet
    {
        protected const string NameSet = "Name";
        protected const string IdSet = "Id";
        protected const string InputObjectSet = "InputObject";

        private readonly PodSelector _selector = new PodSelector();

        [Parameter(ParameterSetName = InputObjectSet, Mandatory = true, ValueFromPipeline = true)]
        [ValidateNotNull]
        public ArenaPod[]? InputObject { get; set; }

        [Parameter(ParameterSetName = IdSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PodId")]
        [ValidateNotNullOrEmpty]
        public string[]? Id { get; set; }

        [Parameter(ParameterSetName = NameSet, Position = 0, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PodNameCompleter))]
        public string[]? Name { get; set; }

        [Parameter]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PodNameCompleter))]
        public string[]? ExcludeName { get; set; }

        [Parameter]
        public SwitchParameter All { get; set; }

        /// <summary>Names or ids that chose no pod but that the command knows what to do with (a replacement in progress), instead of PodNotFound.</summary>
        protected virtual bool ExpectMissing(string nameOrId) => false;

        /// <summary>What ChosenPods found missing that ExpectMissing accepted.</summary>
        protected List<string> ExpectedMissing { get; } = new List<string>();

        /// <summary>True for a command that shows every pod of a duplicated name (with a warning) rather than refusing the name.</summary>
        protected virtual bool ShowsDuplicateNames => false;

        /// <summary>What this command does when it was given no pods.</summary>
        protected abstract PodDefault WhenNothingChosen { get; }

        protected override void ProcessRecord() => _selector.Add(InputObject, Id, Name);

        /// <summary>True when the command is fed by a pipeline: then only what came through it counts.</summary>
        protected bool FedByPipeline => MyInvocation.ExpectingInput;

        /// <summary>True when a pipeline fed the command but nothing came through it (or nothing bound).</summary>
        protected bool NothingFromPipeline => FedByPipeline && _selector.IsEmpty;

        /// <summary>
        /// The chosen pods, fresh from RunPod and sorted by name; an error for each name or id that chose
        /// nothing. Empty when an empty pipeline fed the command. A changing command given nothing at all
        /// stops with SelectionRequired.
        /// </summary>
        protected IReadOnlyList<ArenaPod> ChosenPods()
        {
            if (NothingFromPipeline)
            {
                WriteVerbose("No pods came through the pipeline, so there is nothing to do.");
                return Array.Empty<ArenaPod>();
            }
            var selector = new PodSelector { IncludeOtherPods = All, ShowDuplicates = ShowsDuplicateNames };
            selector.Ids.AddRange(_selector.Ids);
            selector.Names.AddRange(_selector.Names);
            selector.ExcludeNames.AddRange(ExcludeName ?? Array.Empty<string>());
            if (selector.IsEmpty)
            {
                if (WhenNothingChosen == PodDefault.Refuse)
                {
                    ThrowArenaError(new ArenaException(ArenaErrorIds.SelectionRequired, ErrorCategory.InvalidArgument,
                        $"{MyInvocation.MyCommand.Name} changes pods, so it never chooses the whole fleet by itself; nothing was done.",
                        $"Name the pods (-Name alpha, bravo), pipe them (Get-ArenaPod -Status Running | {MyInvocation.MyCommand.Name}), or give -Name * for every fleet pod."));
                }
                selector.Names.Add("*");
            }
            var current = CallRunPod((api, token) => api.ListPodsAsync(token));
            var selection = PodSelection.Select(current, selector, EffectiveConfig.Prefix);
            foreach (var warning in selection.Warnings) WriteWarning(warning);
            foreach (var (error, target) in selection.Errors)
            {
                if (error.ErrorId == ArenaErrorIds.PodNotFound && target is string missing && ExpectMissing(missing)) ExpectedMissing.Add(missing);
                else WriteArenaError(error, target);
            }
            WriteVerbose(selection.Pods.Count == 0 ? "No pod was chosen." : $"Chosen: {string.Join(", ", selection.Pods.Select(p => p.Name))}.");
            return selection.Pods;
        }

        /// <summary>
        /// Calls RunPod for each pod in parallel: each pod's error is written with its name, and the batch
        /// ends with a summary (shown when a pod failed).
        /// </summary>
        internal void ActOnEach<T>(IReadOnlyList<ArenaPod> pods, string activity, string done,
            Func<ArenaPod, CancellationToken, Task<T>> work, Action<ArenaPod, T> onDone, Func<ArenaPod, ArenaException, bool>? handOn = null)
        {
            if (pods.Count == 0) return;
            var succeeded = new List<string>();
            var failed = new List<string>();
            RunEach(pods, 8, activity, work,
                (pod, result) =>
                {
                    succeeded.Add(pod.Name);
                    onDone(pod, result);
                },
                (pod, error) =>
                {
                    // An error the command deals with itself (a stuck pod it replaces) is not the batch's failure.
                    if (handOn != null && handOn(pod, error)) return;
                    failed.Add($"{pod.Name} ({error.ErrorId})");
                    WritePodError(error, pod.Name, pod);
                });
            WriteSummary(ArenaBatchSummary.Of(MyInvocation.MyCommand.Name, done, succeeded, failed), failed.Count > 0);
        }

        protected static string Describe(IReadOnlyList<ArenaPod> pods) =>
            $"{pods.Count} pod{(pods.Count == 1 ? "" : "s")}: {string.Join(", ", pods.Select(p => p.Name))}";
    }
}
