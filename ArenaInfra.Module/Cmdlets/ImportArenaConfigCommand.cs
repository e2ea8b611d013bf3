using System.Collections.Generic;
using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Config;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsData.Import, "ArenaConfig")]
    [OutputType(typeof(ArenaConfig))]
    public sealed class ImportArenaConfigCommand : ArenaCmdlet, INeedsNoLibraries
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName", "PSPath", "LiteralPath")]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "";

        [Parameter]
        public SwitchParameter NoDefault { get; set; }

        protected override void ProcessRecord()
        {
            // Resolved through the provider, so relative paths and ~ behave as at any PowerShell prompt.
            var path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
            var warnings = new List<string>();
            ArenaConfig config, effective;
            try
            {
                config = ConfigLoader.LoadFile(path, ArenaConfigOrigin.File, warnings);
                effective = ConfigResolver.ForProcess().ApplyEnvironment(config);
            }
            catch (ArenaException e)
            {
                WriteArenaError(e, Path);
                return;
            }
            foreach (var warning in warnings) WriteWarning(warning);

            if (!NoDefault)
            {
                // The session keeps the file's values; environment overrides are applied each time it is used.
                SessionConfigStore.Set(SessionKey, config);
                WriteVerbose($"'{path}' is now this session's default config.");
            }
            WriteObject(effective);
        }
    }
}
