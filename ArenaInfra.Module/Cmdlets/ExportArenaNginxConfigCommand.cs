using System.IO;
using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsData.Export, "ArenaNginxConfig", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(string), typeof(FileInfo))]
    public sealed class ExportArenaNginxConfigCommand : FleetExportCmdlet
    {
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        [PSDefaultValue(Help = "ProxyNginxLogDirectory from the config")]
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? LogDirectory { get; set; }

        [PSDefaultValue(Help = "ProxyListenAddress from the config, else every address")]
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ListenAddress { get; set; }

        protected override void EndProcessing()
        {
            var config = EffectiveConfig;
            if (NothingFromPipeline)
            {
                WriteVerbose("No pods came through the pipeline, so no config was written.");
                return;
            }
            var text = RenderNginx(ChosenPods(), LogDirectory ?? config.ProxyNginxLogDirectory, ListenAddress ?? config.ProxyListenAddress);
            if (Path != null) WriteOutputFile(Path, text, Force, PassThru);
            else WriteObject(text);
        }
    }
}
