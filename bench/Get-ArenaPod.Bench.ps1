<#
.SYNOPSIS
    What Get-ArenaPod costs for a large account, beside a raw fetch of the same JSON.
.DESCRIPTION
    For each size (500 and 5,000 pods) starts the RunPod sandbox seeded with that many running fleet
    pods (--seed-count), paged as RunPod pages GET /v2/pods (1000 a page, so 5,000 pods are 5 pages),
    with MachineNames listing every one of them. In the same run it measures
      get   $pods = Get-ArenaPod (REST v2, every page, mapped and chosen)
      raw   the same pages fetched with one HttpClient, kept as strings, nothing parsed but the cursor
      get, unpaced   Get-ArenaPod with RUNPOD_API_MAX_RPS=0: the module's own cost. With the default
            pacing (at most 8 requests in any second) the 5 pages leave at once, so the two should match.
    Time: in this pwsh, one warm-up of each, then -Runs runs alternating get and raw; the median.
    Memory: the peak working set (PeakWorkingSet64) a fresh pwsh gains during one call, from just
    before it (after Import-Module and a full GC); the median of -Runs fresh processes. A peak is what
    an organiser's machine feels, and a fresh process is the only place where the high-water mark is
    that call's own. GC allocated bytes of a warm call are printed too (churn, not peak).
    Goal at 5,000 pods: get < 0.5 s and < 150 MB.
    Run: dotnet pwsh ./build.ps1 build; dotnet pwsh ./bench/Get-ArenaPod.Bench.ps1
#>
param([int[]] $Sizes = @(500, 5000), [int] $Runs = 3, [int] $PageSize = 1000)
$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot
Import-Module (Join-Path $root 'tests/Pester/TestHelpers.psm1') -Force
$modulePath = Join-Path $root 'out/ArenaInfra/ArenaInfra.psd1'
Import-Module $modulePath -Force

# One call of either kind; run here for time, and alone in a fresh pwsh for memory.
$measure = @'
param([string] $Kind, [string] $Url, [string] $ConfigFile, [string] $ApiKey, [string] $ModulePath)
$config = Import-ArenaConfig $ConfigFile -NoDefault
$key = ConvertTo-SecureString $ApiKey -AsPlainText -Force
$env:RUNPOD_API_BASE_URL = $Url
if (-not $script:client) { $script:client = [Net.Http.HttpClient]::new() }
[GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
$self = [Diagnostics.Process]::GetCurrentProcess()
$self.Refresh(); $peakBefore = $self.PeakWorkingSet64
$allocatedBefore = [GC]::GetTotalAllocatedBytes($true)
$clock = [Diagnostics.Stopwatch]::StartNew()
if ($Kind -like 'get*') {
    $pods = Get-ArenaPod -Config $config -ApiKey $key
    $count = @($pods).Count
}
else {
    $pages = [Collections.Generic.List[string]]::new()
    $cursor = $null
    do {
        $request = [Net.Http.HttpRequestMessage]::new('GET', "$Url/v2/pods?limit=1000" + $(if ($cursor) { "&cursor=$([uri]::EscapeDataString($cursor))" }))
        $request.Headers.Authorization = [Net.Http.Headers.AuthenticationHeaderValue]::new('Bearer', $ApiKey)
        $page = $script:client.SendAsync($request).GetAwaiter().GetResult().Content.ReadAsStringAsync().GetAwaiter().GetResult()
        $pages.Add($page)
        $cursor = if ($page -match '"nextCursor":"([^"]+)"') { $Matches[1] } else { $null }
    } while ($cursor)
    $count = ([regex]::Matches(($pages -join ''), '"locked":')).Count
}
$clock.Stop()
$self.Refresh()
[pscustomobject]@{
    Seconds = $clock.Elapsed.TotalSeconds
    PeakMB = ($self.PeakWorkingSet64 - $peakBefore) / 1MB
    AllocatedMB = ([GC]::GetTotalAllocatedBytes($true) - $allocatedBefore) / 1MB
    Count = $count
}
'@
$measureHere = [scriptblock]::Create($measure)

function Median([double[]] $Values) { ($Values | Sort-Object)[[int][math]::Floor($Values.Count / 2)] }

function Measure-Fresh([string] $Kind, [string] $Url, [string] $ConfigFile) {
    # One call in a new pwsh: its peak is that call's own.
    $script = "Import-Module '$modulePath'`n& { $measure } -Kind '$Kind' -Url '$Url' -ConfigFile '$ConfigFile' -ApiKey '$(Get-SandboxKey)' | ConvertTo-Json -Compress"
    $lines = Invoke-FreshPwsh -Script $script
    $json = $lines | Where-Object { $_ -like '{*' } | Select-Object -Last 1
    if (-not $json) { throw "the fresh pwsh measuring $Kind said: $($lines -join "`n")" }
    $json | ConvertFrom-Json
}

$work = Join-Path ([IO.Path]::GetTempPath()) ("arena-bench-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
$null = New-Item -ItemType Directory $work
$rows = @()
try {
    Copy-Item (Join-Path $root 'tests/fixtures/keys/test_ed25519*') $work
    foreach ($size in $Sizes) {
        $sandbox = Start-TestSandbox -Arguments '--seed-count', "$size", '--page-size', "$PageSize", '--start-delay-ms', '0'
        try {
            $names = 1..$size | ForEach-Object { 'p{0:00000}' -f $_ }
            $configFile = Join-Path $work "config-$size.env"
            Set-Content $configFile "SHARED_SSH_KEY_PATH=$work/test_ed25519`nMACHINE_NAME_PREFIX=arena`nMACHINE_NAME_LIST=($($names -join ' '))`nRUNPOD_API=rest`n"
            $arguments = @{ Url = $sandbox.Url; ConfigFile = $configFile; ApiKey = (Get-SandboxKey); ModulePath = $modulePath }

            $unpacedFile = Join-Path $work "config-$size-unpaced.env"
            Set-Content $unpacedFile ((Get-Content -Raw $configFile) + "RUNPOD_API_MAX_RPS=0`n")
            $unpaced = @{ Url = $sandbox.Url; ConfigFile = $unpacedFile; ApiKey = (Get-SandboxKey); ModulePath = $modulePath }

            $times = @{ get = @(); raw = @(); getUnpaced = @() }
            $allocated = @{ get = @(); raw = @(); getUnpaced = @() }
            foreach ($kind in 'get', 'raw', 'getUnpaced') {
                $with = if ($kind -eq 'getUnpaced') { $unpaced } else { $arguments }
                $warm = & $measureHere -Kind $kind @with
                if ($warm.Count -ne $size) { throw "$kind saw $($warm.Count) pods of $size" }
            }
            for ($i = 0; $i -lt $Runs; $i++) {
                foreach ($kind in 'get', 'raw', 'getUnpaced') {
                    $with = if ($kind -eq 'getUnpaced') { $unpaced } else { $arguments }
                    $one = & $measureHere -Kind $kind @with
                    $times[$kind] += $one.Seconds
                    $allocated[$kind] += $one.AllocatedMB
                }
            }
            $peaks = @{ get = @(); raw = @() }
            for ($i = 0; $i -lt $Runs; $i++) {
                foreach ($kind in 'get', 'raw') {
                    $one = Measure-Fresh -Kind $kind -Url $sandbox.Url -ConfigFile $configFile
                    if ($one.Count -ne $size) { throw "$kind (fresh) saw $($one.Count) pods of $size" }
                    $peaks[$kind] += $one.PeakMB
                }
            }
            $rows += [pscustomobject]@{
                Pods = $size; Pages = [math]::Ceiling($size / $PageSize)
                GetSeconds = Median $times.get; RawSeconds = Median $times.raw; UnpacedSeconds = Median $times.getUnpaced
                GetPeakMB = Median $peaks.get; RawPeakMB = Median $peaks.raw
                GetAllocMB = Median $allocated.get; RawAllocMB = Median $allocated.raw
            }
        }
        finally {
            Stop-TestSandbox $sandbox
        }
    }
}
finally {
    Remove-Item -Recurse -Force $work
}

''
"Get-ArenaPod against the sandbox (REST v2, $PageSize pods a page), median of $Runs; time warm in one pwsh, peak in fresh pwsh processes"
foreach ($row in $rows) {
    "{0,5} pods ({1} page(s)): Get-ArenaPod {2:0.000} s, raw fetch {3:0.000} s ({4:0.0}x)" -f $row.Pods, $row.Pages, $row.GetSeconds, $row.RawSeconds, ($row.GetSeconds / [math]::Max($row.RawSeconds, 0.0001))
    "{0,5}       Get-ArenaPod unpaced (RUNPOD_API_MAX_RPS=0): {1:0.000} s ({2:0.0}x raw)" -f '', $row.UnpacedSeconds, ($row.UnpacedSeconds / [math]::Max($row.RawSeconds, 0.0001))
    "{0,5}       peak working set: Get-ArenaPod +{1:0} MB, raw fetch +{2:0} MB; GC allocated per warm call: {3:0} MB, {4:0} MB" -f '', $row.GetPeakMB, $row.RawPeakMB, $row.GetAllocMB, $row.RawAllocMB
}
$largest = $rows | Sort-Object Pods | Select-Object -Last 1
if ($largest) {
    "goal < 0.5 s   at {0} pods: {1:0.000} s  {2}" -f $largest.Pods, $largest.GetSeconds, $(if ($largest.GetSeconds -lt 0.5) { 'met' } else { 'NOT met' })
    "         unpaced at {0} pods: {1:0.000} s  {2}" -f $largest.Pods, $largest.UnpacedSeconds, $(if ($largest.UnpacedSeconds -lt 0.5) { 'under 0.5 s' } else { 'over 0.5 s' })
    "goal < 150 MB  at {0} pods: {1:0} MB  {2}" -f $largest.Pods, $largest.GetPeakMB, $(if ($largest.GetPeakMB -lt 150) { 'met' } else { 'NOT met' })
}
