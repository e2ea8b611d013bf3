<#
.SYNOPSIS
    What importing ArenaInfra adds to the start of a fresh pwsh (goal: under 0.5 s).
.DESCRIPTION
    Starts a fresh pwsh -NoProfile several times with and without 'Import-Module ArenaInfra' and prints
    the medians and their difference. Nothing heavy may happen at import: no network, no key loading,
    no library code run (on PowerShell 7 the libraries are only mapped into the module's load context).
#>
param([int] $Runs = 7)
$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot
Import-Module (Join-Path $root 'tests/Pester/TestHelpers.psm1') -Force
$pwsh = Get-PwshCommand
$manifest = Join-Path $root 'out/ArenaInfra/ArenaInfra.psd1'

function Measure-Start([string] $Command) {
    $times = foreach ($i in 1..$Runs) {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        & $pwsh[0] @(@($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $Command)) | Out-Null
        $clock.Elapsed.TotalSeconds
    }
    ($times | Sort-Object)[[int][math]::Floor($Runs / 2)]
}

$bare = Measure-Start 'exit 0'
$with = Measure-Start "Import-Module '$manifest'; exit 0"
''
"fresh pwsh, median of ${Runs}: {0:0.000} s without the module, {1:0.000} s with Import-Module ArenaInfra" -f $bare, $with
"import adds {0:0.000} s (goal: under 0.5 s)" -f ($with - $bare)
