using System.IO;
using System.Management.Automation;

namespace ArenaInfra.Commands
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

        /// <summary>Where nginx writes the fleet's SSH logs. Default ProxyNginxLogDirectory (/var/log/nginx).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? LogDirectory { get; set; }

        /// <summary>Listen on this address only (e.g. 127.0.0.1); default ProxyListenAddress, else every address.</summary>
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
