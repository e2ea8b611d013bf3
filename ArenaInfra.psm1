# Loads ArenaInfra. The cmdlets are in ArenaInfra.dll; this file only decides where it loads.
#
# PowerShell 7: the module and its libraries (SSH.NET, Polly, ...) load into an AssemblyLoadContext of
# their own, so another module's copies of those libraries, loaded before or after us and of any version,
# never meet ours. Windows PowerShell has no such contexts; there the assembly's own resolver answers
# for our libraries (see DependencyResolver in the source).
#
# Importing must stay quick: every statement here is paid by every session that imports the module, and
# a call into .NET from script is the dearest of them (a fresh pwsh compiles each one). So this file
# makes the fewest it can: the context is made ours, and this assembly kept for the next import, by
# DependencyResolver.OnImport in C#. It uses no cmdlet beyond Import-Module on a first import (Join-Path
# alone would load a whole module) and loads no library: those load when a command that uses them starts.

# A number, not $PSEdition -eq 'Core': comparing strings loads the culture data (ICU on Linux), which a
# fresh pwsh has not yet paid for. Not $IsCoreCLR: Windows PowerShell does not define it, and a strict mode
# set by the session would stop on it.
if ($PSVersionTable.PSVersion.Major -ge 6) {
    # The assembly an earlier import in this process loaded, kept by OnImport under the name of the
    # context it is in: an assembly loads once, so the first copy serves again after Remove-Module,
    # Import-Module -Force, or in another runspace.
    $slot = "ArenaInfra $PSScriptRoot"
    $assembly = [System.AppContext]::GetData($slot)
    $importedBefore = $null -ne $assembly
    if (-not $importedBefore) {
        $assembly = [System.Runtime.Loader.AssemblyLoadContext]::new($slot).LoadFromAssemblyPath("$PSScriptRoot/ArenaInfra.dll")
    }
}
else {
    $assembly = [System.Reflection.Assembly]::LoadFrom("$PSScriptRoot/ArenaInfra.dll")
    $importedBefore = $true
}

# After Remove-Module or Import-Module -Force, PowerShell still holds the earlier import's record of the
# assembly, and while it is there importing the assembly again would bring no cmdlets. A context just
# made holds a new assembly, which no earlier import can have recorded.
if ($importedBefore) {
    $stale = (Get-Module -All).Where({ $_.Path -eq $assembly.Location })
    if ($stale.Count -gt 0) { Remove-Module -ModuleInfo $stale -Force }
}
Import-Module -Assembly $assembly
