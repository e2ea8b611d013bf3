<#
.SYNOPSIS
    What importing ArenaInfra adds to the start of a fresh pwsh (goal: under 0.2 s).
.DESCRIPTION
    Starts a fresh pwsh -NoProfile with and without 'Import-Module ArenaInfra', taking turns so both
    meet the same load on the machine, after one warm-up start of each that is not counted, and prints
    the medians and what importing adds: the median of each turn's difference. Nothing heavy may happen
    at import: no network, no key loading, no library loaded (on PowerShell 7 the libraries go into the
    module's load context when a command that uses them starts).

    Each kind of start keeps its own cache folder. pwsh records in its cache folder which methods a
    start compiled and, at the next start, compiles them ahead on the spare cores; a machine that runs
    the same script every time always starts from that script's own record. Sharing one folder would
    make every start with the module begin from a bare start's record and the reverse, and each figure
    would depend on which start ran before it.

    Beside ArenaInfra, in the same run:
    - an empty module (a manifest and a one-line script module): what PowerShell itself charges any
      module;
    - ArenaInfra without its loader (the same manifest with the DLL as its root module, so the module
      and its libraries load into PowerShell's shared context instead of one of their own): what the
      load context costs. It is measured, not offered: without the context another module's copy of
      SSH.NET or Polly would meet ours;
    - both starts showing one line of output. A bare pwsh that exits shows nothing, so it never sets up
      PowerShell's formatting, which a session at a prompt does for its first output whatever it
      imported: this is what importing adds to a session that shows something.

    Everything it writes (the cache folders, the two extra modules) is in one temporary folder,
    removed at the end.
#>
param([int] $Runs = 9)
$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot
Import-Module (Join-Path $root 'tests/Pester/TestHelpers.psm1') -Force
$pwsh = Get-PwshCommand
$built = Join-Path $root 'out/ArenaInfra'
$manifest = Join-Path $built 'ArenaInfra.psd1'
if (-not (Test-Path $manifest)) { throw "Build the module first: dotnet pwsh ./build.ps1 build" }

# Where pwsh keeps its cache (the record of a start's compiled methods among it).
$cacheVariable = if ($IsWindows) { 'LOCALAPPDATA' } else { 'XDG_CACHE_HOME' }

function Measure-Start([string] $Command, [string] $Cache) {
    $saved = [Environment]::GetEnvironmentVariable($cacheVariable)
    [Environment]::SetEnvironmentVariable($cacheVariable, $Cache)
    try {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        & $pwsh[0] @(@($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $Command)) | Out-Null
        $clock.Elapsed.TotalSeconds
    }
    finally {
        [Environment]::SetEnvironmentVariable($cacheVariable, $saved)
    }
}

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    $middle = [int][math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2) { $sorted[$middle] } else { ($sorted[$middle - 1] + $sorted[$middle]) / 2 }
}

$work = Join-Path ([IO.Path]::GetTempPath()) ("arena-import-bench-" + [guid]::NewGuid().ToString('n'))
$null = New-Item -ItemType Directory -Path $work
try {
    $emptyFolder = Join-Path $work 'Empty'
    $null = New-Item -ItemType Directory -Path $emptyFolder
    Set-Content -LiteralPath (Join-Path $emptyFolder 'Empty.psm1') -Value '$loaded = $true'
    Set-Content -LiteralPath (Join-Path $emptyFolder 'Empty.psd1') -Value "@{ ModuleVersion = '1.0'; RootModule = 'Empty.psm1' }"
    $noLoader = Join-Path $work 'ArenaInfra'
    Copy-Item -LiteralPath $built -Destination $noLoader -Recurse
    $noLoaderManifest = Join-Path $noLoader 'ArenaInfra.psd1'
    (Get-Content -Raw -LiteralPath $noLoaderManifest) -replace "RootModule\s*=\s*'ArenaInfra\.psm1'", "RootModule = 'ArenaInfra.dll'" |
        Set-Content -LiteralPath $noLoaderManifest -NoNewline

    $starts = [ordered]@{
        bare      = 'exit 0'
        with      = "Import-Module '$manifest'; exit 0"
        empty     = "Import-Module '$(Join-Path $emptyFolder 'Empty.psd1')'; exit 0"
        noLoader  = "Import-Module '$noLoaderManifest'; exit 0"
        bareShown = "'shown' | Out-String | Out-Null; exit 0"
        withShown = "Import-Module '$manifest'; 'shown' | Out-String | Out-Null; exit 0"
    }
    $times = @{}
    foreach ($name in $starts.Keys) {
        $times[$name] = [Collections.Generic.List[double]]::new()
        $null = Measure-Start $starts[$name] (Join-Path $work "cache-$name")
    }
    foreach ($i in 1..$Runs) {
        foreach ($name in $starts.Keys) { $times[$name].Add((Measure-Start $starts[$name] (Join-Path $work "cache-$name"))) }
    }
}
finally {
    Remove-Item -LiteralPath $work -Recurse -Force
}

function Get-Added([string] $Name, [string] $Baseline = 'bare') {
    Get-Median @(for ($i = 0; $i -lt $Runs; $i++) { $times[$Name][$i] - $times[$Baseline][$i] })
}
$added = Get-Added 'with'
''
"fresh pwsh, median of ${Runs} after a warm-up: {0:0.000} s without the module, {1:0.000} s with Import-Module ArenaInfra" -f (Get-Median $times.bare), (Get-Median $times.with)
"import adds {0:0.000} s, median of ${Runs} (goal < 0.2 s: {1})" -f $added, $(if ($added -lt 0.2) { 'holds' } else { 'not reached' })
"in the same run: an empty module adds {0:0.000} s; ArenaInfra without its load context (the DLL as root module) {1:0.000} s" -f (Get-Added 'empty'), (Get-Added 'noLoader')
"in a session that shows its first output, import adds {0:0.000} s, median of ${Runs}" -f (Get-Added 'withShown' 'bareShown')
