using System.IO;
using System.Management.Automation;
using System.Security;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Common;
using ArenaInfra.Config;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsCommon.Set, "ArenaApiKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = SetSet)]
    [OutputType(typeof(FileInfo))]
    public sealed class SetArenaApiKeyCommand : ArenaCmdlet
    {
        private const string SetSet = "Set";
        private const string ClearSet = "Clear";

        [Parameter(ParameterSetName = SetSet, Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [ValidateNotNull]
        public SecureString? ApiKey { get; set; }

        [Parameter(ParameterSetName = ClearSet, Mandatory = true)]
        public SwitchParameter Clear { get; set; }

        [Parameter(ParameterSetName = SetSet)]
        public SwitchParameter PassThru { get; set; }

        protected override void EndProcessing()
        {
            var path = StoredApiKey.Path;
            if (Clear)
            {
                if (!ShouldProcess(path, "Remove the stored RunPod API key")) return;
                WriteVerbose(StoredApiKey.Clear() ? $"Removed the stored key ({path})." : "No key was stored.");
                return;
            }
            if (!ShouldProcess(path, "Store the RunPod API key for the current user")) return;
            var key = Secrets.ToPlainText(ApiKey!);
            if (key.Trim().Length == 0)
            {
                ThrowArenaError(new ArenaException(ArenaErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, "The key is empty; nothing was stored.", "Give the key made in RunPod's console under Settings > API Keys."));
            }
            try
            {
                StoredApiKey.Save(key.Trim());
            }
            catch (System.Exception e) when (e is IOException || e is System.UnauthorizedAccessException || e is System.ComponentModel.Win32Exception)
            {
                ThrowArenaError(new ArenaException(ArenaErrorIds.ApiKeyStoreFailed, ErrorCategory.WriteError, $"The key could not be stored in '{path}': {e.Message}", "Check the permissions of the folder, or set $env:ARENA_INFRA_DATA to another one."));
            }
            WriteVerbose($"Stored the key for the current user in '{path}'. $env:RUNPOD_API_KEY and -ApiKey still win over it.");
            if (PassThru) WriteObject(new FileInfo(path));
        }
    }
}
