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

        /// <summary>Whose key: RunPod's API key (the default), OpenRouter's provisioning key for the LLM key commands, or Vast.ai's API key.</summary>
        [Parameter]
        [ValidateSet("RunPod", "OpenRouter", "Vast")]
        public string Service { get; set; } = "RunPod";

        private ApiKeyService Which => Service == "OpenRouter" ? ApiKeyService.OpenRouter : Service == "Vast" ? ApiKeyService.Vast : ApiKeyService.RunPod;

        private string What => Which switch { ApiKeyService.OpenRouter => "OpenRouter provisioning key", ApiKeyService.Vast => "Vast.ai API key", _ => "RunPod API key" };

        protected override void EndProcessing()
        {
            var path = StoredApiKey.PathOf(Which);
            if (Clear)
            {
                if (!ShouldProcess(path, $"Remove the stored {What}")) return;
                WriteVerbose(StoredApiKey.Clear(Which) ? $"Removed the stored key ({path})." : "No key was stored.");
                return;
            }
            if (!ShouldProcess(path, $"Store the {What} for the current user")) return;
            var key = Secrets.ToPlainText(ApiKey!);
            if (key.Trim().Length == 0)
            {
                ThrowArenaError(new ArenaException(ArenaErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, "The key is empty; nothing was stored.",
                    Which switch
                    {
                        ApiKeyService.OpenRouter => "Give the provisioning key made on OpenRouter's Provisioning API Keys page.",
                        ApiKeyService.Vast => "Give the key made in Vast.ai's console under Keys.",
                        _ => "Give the key made in RunPod's console under Settings > API Keys.",
                    }));
            }
            try
            {
                StoredApiKey.Save(key.Trim(), Which);
            }
            catch (System.Exception e) when (e is IOException || e is System.UnauthorizedAccessException || e is System.ComponentModel.Win32Exception)
            {
                ThrowArenaError(new ArenaException(ArenaErrorIds.ApiKeyStoreFailed, ErrorCategory.WriteError, $"The key could not be stored in '{path}': {e.Message}", "Check the permissions of the folder, or set $env:ARENA_INFRA_DATA to another one."));
            }
            WriteVerbose(Which switch
            {
                ApiKeyService.OpenRouter => $"Stored the provisioning key for the current user in '{path}'. $env:OPENROUTER_PROVISIONING_KEY still wins over it.",
                ApiKeyService.Vast => $"Stored the Vast.ai key for the current user in '{path}'. $env:VAST_API_KEY still wins over it.",
                _ => $"Stored the key for the current user in '{path}'. $env:RUNPOD_API_KEY and -ApiKey still win over it.",
            });
            if (PassThru) WriteObject(new FileInfo(path));
        }
    }
}
