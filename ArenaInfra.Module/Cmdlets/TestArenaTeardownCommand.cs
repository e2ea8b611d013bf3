using System.Management.Automation;
using System.Security;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Proxy;
using ArenaInfra.Teardown;

namespace ArenaInfra.Cmdlets
{
    /// <summary>
    /// The end-of-program audit: what is left billing or lying around, each line with the command that
    /// clears it. It deletes nothing. The summary goes to the Information stream; -Quiet returns only
    /// $true when every line is Clear (a Left or Unknown line makes it $false).
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "ArenaTeardown")]
    [OutputType(typeof(ArenaTeardownCheck))]
    [OutputType(typeof(bool))]
    public sealed class TestArenaTeardownCommand : ArenaApiCmdlet
    {
        [PSDefaultValue(Help = "~/.ssh/id_ed25519, id_ecdsa or id_rsa")]
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ProxyKeyPath { get; set; }

        [Parameter]
        public SecureString? KeyPassphrase { get; set; }

        [Parameter]
        public ArenaHostKeyPolicy HostKeyPolicy { get; set; } = ArenaHostKeyPolicy.AcceptNew;

        /// <summary>Only $true (all Clear) or $false, for scripts and exit codes.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        protected override void EndProcessing()
        {
            var config = EffectiveConfig;
            var keyPath = ProxyKeyPath == null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(ProxyKeyPath);
            var passphrase = KeyPassphrase;
            var policy = HostKeyPolicy;
            var log = Log;
            System.Func<System.Threading.CancellationToken, string?>? readProxy = config.ProxyHost == null ? null : token =>
            {
                using var session = ProxySession.Open(config, keyPath, passphrase, policy, log, token);
                // The live file, not the record of the last publish beside it: a file removed by hand forwards nothing once nginx reloads.
                return session.Machine.Read(session.Machine.ConfigPath);
            };
            var audit = new TeardownAudit(Api, config, readProxy);
            var checks = Run(token => audit.RunAsync(log, token));
            var summary = TeardownAudit.Summarize(checks);
            if (Quiet)
            {
                WriteObject(summary.AllClear);
            }
            else
            {
                foreach (var check in checks) WriteObject(check);
            }
            WriteInformation(new InformationRecord(summary, "Test-ArenaTeardown"));
        }
    }
}
