using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsCommon.Unlock, "ArenaPod", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPod))]
    public sealed class UnlockArenaPodCommand : PodLockCmdlet
    {
        private protected override bool Locking => false;
    }
}
