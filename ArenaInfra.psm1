# Loads ArenaInfra. The cmdlets are in ArenaInfra.dll; this file only decides where it loads.
#
# PowerShell 7: the module and its libraries (SSH.NET, Polly, ...) load into an AssemblyLoadContext of
# their own, so another module's copies of those libraries, loaded before or after us and of any version,
# never meet ours. Windows PowerShell has no such contexts; there the assembly's own resolver answers
# for our libraries (see DependencyResolver in the source).
#
# Language only, no cmdlets beyond PowerShell's core ones (Join-Path alone would load a whole module):
# importing must stay quick.
$assemblyPath = [System.IO.Path]::Combine($PSScriptRoot, 'ArenaInfra.dll')
$assembly = $null
# Whether PowerShell may still hold an earlier import's record of this assembly (see below).
$importedBefore = $true

if ($PSEdition -eq 'Core') {
    $contextName = "ArenaInfra $assemblyPath"
    $context = $null
    foreach ($candidate in [System.Runtime.Loader.AssemblyLoadContext]::All) {
        if ($candidate.Name -eq $contextName) { $context = $candidate }
    }
    if ($null -eq $context) {
        $context = [System.Runtime.Loader.AssemblyLoadContext]::new($contextName)
        $assembly = $context.LoadFromAssemblyPath($assemblyPath)
        $assembly.GetType('ArenaInfra.DependencyResolver', $true)::LoadDependenciesInto($context)
        $importedBefore = $false
    }
    else {
        # Imported again in this session: an assembly loads once, so the first copy serves again.
        foreach ($candidate in $context.Assemblies) {
            if ($candidate.GetName().Name -eq 'ArenaInfra') { $assembly = $candidate }
        }
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
