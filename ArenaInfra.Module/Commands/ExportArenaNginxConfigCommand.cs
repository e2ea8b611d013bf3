using System.IO;
using System.Management.Automation;

namespace ArenaInfra.Commands
{
    [Cmdlet(VerbsData.Export, "ArenaNginxConfig", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = TextSet)]
    [OutputType(typeof(string), ParameterSetName = new[] { TextSet })]
    [OutputType(typeof(FileInfo), ParameterSetName = new[] { PathSet })]
    public sealed class ExportArenaNginxConfigCommand : FleetExportCmdlet
    {
        private const string TextSet = "Text";
        private const string PathSet = "Path";

        [Parameter(ParameterSetName = PathSet, Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter(ParameterSetName = PathSet)]
        public SwitchParameter Force { get; set; }

        [Parameter(ParameterSetName = PathSet)]
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
            var text = RenderNginx(Pods(), LogDirectory ?? config.ProxyNginxLogDirectory, ListenAddress ?? config.ProxyListenAddress);
            if (Path != null) WriteOutputFile(Path, text, Force, PassThru);
            else WriteObject(text);
        }
    }
}
