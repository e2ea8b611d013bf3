using System.Management.Automation;
using ArenaInfra.Cmdlets.Base;

namespace ArenaInfra.Cmdlets
{
    [Cmdlet(VerbsCommon.Lock, "ArenaPod", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ArenaPod))]
    public sealed class LockArenaPodCommand : PodLockCmdlet
    {
        private protected override bool Locking => true;
    }
}
