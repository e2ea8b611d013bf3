using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Config;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsCommon.Get, "ArenaConfig", DefaultParameterSetName = ConfigSet)]
    [OutputType(typeof(ArenaConfig), ParameterSetName = new[] { ConfigSet })]
    [OutputType(typeof(ArenaConfigSetting), ParameterSetName = new[] { SourceSet })]
    public sealed class GetArenaConfigCommand : ArenaApiCmdlet, INeedsNoLibraries
    {
        private const string ConfigSet = "Config";
        private const string SourceSet = "ShowSource";

        [Parameter(ParameterSetName = SourceSet, Mandatory = true)]
        public SwitchParameter ShowSource { get; set; }

        protected override void EndProcessing()
        {
            var config = EffectiveConfig;
            if (ShowSource)
            {
                foreach (var setting in ArenaConfigSettings.Of(config)) WriteObject(setting);
            }
            else
            {
                WriteObject(config);
            }
        }
    }
}
