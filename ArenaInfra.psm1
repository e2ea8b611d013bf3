# Loads ArenaInfra. The cmdlets are in ArenaInfra.dll; this file only decides where it loads.
#
# PowerShell 7: the module and its libraries (SSH.NET, Polly, ...) load into an AssemblyLoadContext of
# their own, so another module's copies of those libraries, loaded before or after us and of any version,
# never meet ours. Windows PowerShell has no such contexts; there the assembly's own resolver answers
# for our libraries (see DependencyResolver in the source).
$assemblyPath = Join-Path $PSScriptRoot 'ArenaInfra.dll'

if ($PSEdition -eq 'Core') {
    $contextName = "ArenaInfra $assemblyPath"
    $context = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -EQ $contextName | Select-Object -First 1
    if ($null -eq $context) {
        $context = [System.Runtime.Loader.AssemblyLoadContext]::new($contextName)
        $assembly = $context.LoadFromAssemblyPath($assemblyPath)
        $null = $assembly.GetType('ArenaInfra.DependencyResolver', $true)::LoadDependenciesInto($context)
    }
    else {
        # Imported again in this session: an assembly loads once, so the first copy serves again. PowerShell
        # keeps the earlier import's record of it and would import no cmdlets while that record is there.
        $assembly = $context.Assemblies | Where-Object { $_.GetName().Name -eq 'ArenaInfra' } | Select-Object -First 1
        Get-Module -All | Where-Object Path -EQ $assembly.Location | Remove-Module -Force
    }
    Import-Module -Assembly $assembly
}
else {
    Import-Module $assemblyPath
}
