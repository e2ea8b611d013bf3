# Loads ArenaInfra. The cmdlets are in ArenaInfra.dll; this file only decides where it loads.
#
# PowerShell 7: the module and its libraries (SSH.NET, Polly, ...) load into an AssemblyLoadContext of
# their own, so another module's copies of those libraries, loaded before or after us and of any version,
# never meet ours. Windows PowerShell has no such contexts; there the assembly's own resolver answers
# for our libraries (see DependencyResolver in the source).
#
# Importing must stay quick: every statement here is paid by every session that imports the module, so
# this file makes as few calls as it can (each first .NET call costs a fresh pwsh milliseconds), uses no
# cmdlet beyond Import-Module (Join-Path alone would load a whole module), and loads no library: those
# load when a command that uses them starts.
$assemblyPath = [System.IO.Path]::Combine($PSScriptRoot, 'ArenaInfra.dll')
# Whether PowerShell may still hold an earlier import's record of this assembly (see below).
$importedBefore = $true

# A number, not $PSEdition -eq 'Core': comparing strings loads the culture data (ICU on Linux), which a
# fresh pwsh has not yet paid for.
if ($PSVersionTable.PSVersion.Major -ge 6) {
    # The context made by an earlier import in this process, kept in a slot of the process's own: an
    # assembly loads once, so the first copy serves again after Remove-Module or Import-Module -Force.
    $slot = "ArenaInfra $assemblyPath"
    $assembly = [System.AppDomain]::CurrentDomain.GetData($slot)
    if ($null -eq $assembly) {
        $context = [System.Runtime.Loader.AssemblyLoadContext]::new($slot)
        $assembly = $context.LoadFromAssemblyPath($assemblyPath)
        $assembly.GetType('ArenaInfra.DependencyResolver', $true)::LoadDependenciesInto($context)
        [System.AppDomain]::CurrentDomain.SetData($slot, $assembly)
        $importedBefore = $false
    }
}
else {
    $assembly = [System.Reflection.Assembly]::LoadFrom($assemblyPath)
}

# After Remove-Module or Import-Module -Force, PowerShell still holds the earlier import's record of the
# assembly, and while it is there importing the assembly again would bring no cmdlets. A context of
# our own that was just made holds a new assembly, which no earlier import can have recorded.
if ($importedBefore) {
    $stale = (Get-Module -All).Where({ $_.Path -eq $assembly.Location })
    if ($stale.Count -gt 0) { Remove-Module -ModuleInfo $stale -Force }
}
Import-Module -Assembly $assembly
