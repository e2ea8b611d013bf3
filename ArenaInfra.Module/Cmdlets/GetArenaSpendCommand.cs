using System;
using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Money;
using ArenaInfra.RunPod;

namespace ArenaInfra.Cmdlets
{
    /// <summary>The fleet's cost now, the account's spend since a date (the fleet's pods, the others, the whole bill), and the balance's runway. Reads only.</summary>
    [Cmdlet(VerbsCommon.Get, "ArenaSpend")]
    [OutputType(typeof(ArenaSpendReport))]
    public sealed class GetArenaSpendCommand : ArenaApiCmdlet
    {
        /// <summary>The first day counted (UTC); default the config's PROGRAM_START_DATE, else 7 days before -AsOf.</summary>
        [Parameter]
        [PSDefaultValue(Help = "PROGRAM_START_DATE, else 7 days ago")]
        public DateTime? Since { get; set; }

        /// <summary>The moment the report is for: billing after it is left out, and the runway reckoned from it.</summary>
        [Parameter]
        [PSDefaultValue(Help = "now")]
        public DateTime? AsOf { get; set; }

        protected override void EndProcessing()
        {
            var config = EffectiveConfig;
            var asOf = AsOf is DateTime at ? new DateTimeOffset(at.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(at, DateTimeKind.Utc) : at).ToUniversalTime() : DateTimeOffset.UtcNow;
            DateTimeOffset since;
            try
            {
                since = SpendWindow.Start(Since, config.ProgramStartDate, asOf);
            }
            catch (ArenaException e)
            {
                throw Terminating(e);
            }
            var api = Api;
            IRunPodMoney money;
            try
            {
                money = RunPodMoneyApi.Create(config, UserAgent, Log);
            }
            catch (ArenaException e)
            {
                throw Terminating(e);
            }
            ArenaSpendReport report;
            try
            {
                report = Run(token => SpendReader.ReadAsync(api, money, since, asOf, config.BalanceWarnHours, new Config.FleetNaming(config.Prefix), Log, token));
            }
            catch (ArenaException e)
            {
                throw Terminating(e);
            }
            if (report.Warning != null) WriteWarning(report.Warning);
            WriteObject(report);
        }
    }
}
