<#
.SYNOPSIS
    What importing ArenaInfra adds to the start of a fresh pwsh (goal: under 0.2 s).
.DESCRIPTION
    Starts a fresh pwsh -NoProfile with and without 'Import-Module ArenaInfra', taking turns so both
    meet the same load on the machine, after one warm-up start of each that is not counted, and prints
    the medians and what importing adds: the median of each turn's difference. Nothing heavy may happen at import: no network, no key loading,
    no library loaded (on PowerShell 7 the libraries go into the module's load context when a command
    that uses them starts).

    Each turn also imports an empty module (a manifest and a one-line script module, written to a
    temporary folder and removed after): what PowerShell itself charges any module in the same run,
    printed beside ArenaInfra's figure.

    A bare pwsh that exits shows nothing, so it never sets up PowerShell's formatting, which a session
    at a prompt does for its first output whatever it imported. Each turn therefore also times both
    starts showing one line of output: what importing adds to a session that shows something.
#>
param([int] $Runs = 5)
$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot
Import-Module (Join-Path $root 'tests/Pester/TestHelpers.psm1') -Force
$pwsh = Get-PwshCommand
$manifest = Join-Path $root 'out/ArenaInfra/ArenaInfra.psd1'

function Measure-Start([string] $Command) {
    $clock = [Diagnostics.Stopwatch]::StartNew()
    & $pwsh[0] @(@($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $Command)) | Out-Null
    $clock.Elapsed.TotalSeconds
}

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    $middle = [int][math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2) { $sorted[$middle] } else { ($sorted[$middle - 1] + $sorted[$middle]) / 2 }
}

$emptyFolder = Join-Path ([IO.Path]::GetTempPath()) ("arena-import-bench-" + [guid]::NewGuid().ToString('n'))
$null = New-Item -ItemType Directory -Path $emptyFolder
try {
    Set-Content -LiteralPath (Join-Path $emptyFolder 'Empty.psm1') -Value '$loaded = $true'
    Set-Content -LiteralPath (Join-Path $emptyFolder 'Empty.psd1') -Value "@{ ModuleVersion = '1.0'; RootModule = 'Empty.psm1' }"
    $bareCommand = 'exit 0'
    $withCommand = "Import-Module '$manifest'; exit 0"
    $emptyCommand = "Import-Module '$(Join-Path $emptyFolder 'Empty.psd1')'; exit 0"
    $bareShowCommand = "'shown' | Out-String | Out-Null; exit 0"
    $withShowCommand = "Import-Module '$manifest'; 'shown' | Out-String | Out-Null; exit 0"
    $null = Measure-Start $bareCommand
    $null = Measure-Start $withCommand
    $null = Measure-Start $emptyCommand
    $bare = [Collections.Generic.List[double]]::new()
    $with = [Collections.Generic.List[double]]::new()
    $added = [Collections.Generic.List[double]]::new()
    $emptyAdded = [Collections.Generic.List[double]]::new()
    $shownAdded = [Collections.Generic.List[double]]::new()
    foreach ($i in 1..$Runs) {
        $bare.Add((Measure-Start $bareCommand))
        $with.Add((Measure-Start $withCommand))
        $added.Add($with[-1] - $bare[-1])
        $emptyAdded.Add((Measure-Start $emptyCommand) - $bare[-1])
        $bareShown = Measure-Start $bareShowCommand
        $shownAdded.Add((Measure-Start $withShowCommand) - $bareShown)
    }
}
finally {
    Remove-Item -LiteralPath $emptyFolder -Recurse -Force
}
$bareMedian = Get-Median $bare
$withMedian = Get-Median $with
''
"fresh pwsh, median of ${Runs} after a warm-up: {0:0.000} s without the module, {1:0.000} s with Import-Module ArenaInfra" -f $bareMedian, $withMedian
"import adds {0:0.000} s, median of ${Runs} (goal < 0.2 s); an empty module adds {1:0.000} s in the same run" -f (Get-Median $added), (Get-Median $emptyAdded)
"in a session that shows its first output, import adds {0:0.000} s, median of ${Runs}" -f (Get-Median $shownAdded)
