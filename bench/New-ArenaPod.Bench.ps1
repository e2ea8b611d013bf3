<#
.SYNOPSIS
    How long New-ArenaPod takes to create a fleet against a slow, rate-limited API.
.DESCRIPTION
    Starts the RunPod sandbox with 300 ms of latency on every request and a limit of 10 requests a
    second, speaking REST v2 (the default; -Api graphql for the deprecated API), creates 55 pods
    with New-ArenaPod, and prints the wall time, the requests sent, and how
    many the sandbox refused for the rate limit. Goal: under 10 s with no refusals. For comparison it
    prints what the old script's one-at-a-time loop with a 2 s sleep would take.
    Run: dotnet pwsh ./build.ps1 build; dotnet pwsh ./bench/New-ArenaPod.Bench.ps1
#>
param([int] $Pods = 55, [int] $LatencyMs = 300, [int] $RateLimit = 10, [ValidateSet('rest', 'graphql')] [string] $Api = 'rest', [string] $Configuration = 'Release')
$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot
Import-Module (Join-Path $root 'tests/Pester/TestHelpers.psm1') -Force
Import-Module (Join-Path $root 'out/ArenaInfra/ArenaInfra.psd1') -Force

$sandbox = Start-TestSandbox -Arguments '--latency-ms', "$LatencyMs", '--rate-limit', "$RateLimit", '--start-delay-ms', '0'
$work = Join-Path ([IO.Path]::GetTempPath()) ("arena-bench-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
$null = New-Item -ItemType Directory $work
try {
    Copy-Item (Join-Path $root 'tests/fixtures/keys/test_ed25519*') $work
    $names = 1..$Pods | ForEach-Object { 'm{0:00}' -f $_ }
    $configFile = Join-Path $work 'config.env'
    Set-Content $configFile "SHARED_SSH_KEY_PATH=$work/test_ed25519`nMACHINE_NAME_PREFIX=bench`nMACHINE_NAME_LIST=($($names -join ' '))`nRUNPOD_API=$Api`n"
    $config = Import-ArenaConfig $configFile -NoDefault
    $key = ConvertTo-SecureString (Get-SandboxKey) -AsPlainText -Force
    $env:RUNPOD_API_BASE_URL = $sandbox.Url

    $clock = [Diagnostics.Stopwatch]::StartNew()
    $created = New-ArenaPod -Count $Pods -Force -Config $config -ApiKey $key -ThrottleLimit 16
    $clock.Stop()

    $requests = @(Get-SandboxRequest $sandbox)
    $refused = @($requests | Where-Object status -eq 429).Count
    $creates = @($requests | Where-Object operationName -eq 'CreatePod').Count
    $pods = @(Get-ArenaPod -Config $config -ApiKey $key).Count
    $old = $Pods * ($LatencyMs / 1000 + 2)
    ''
    "API:                     $(if ($Api -eq 'rest') { 'REST v2' } else { 'GraphQL' }) (RUNPOD_API=$Api)"
    "pods created:            $(@($created).Count) of $Pods ($pods exist, $creates create requests)"
    "wall time:               {0:0.00} s (goal: under 10 s)" -f $clock.Elapsed.TotalSeconds
    "requests sent:           $($requests.Count) (API latency $LatencyMs ms, limit $RateLimit/s)"
    "rate-limit violations:   $refused (goal: 0)"
    "old script (1 at a time, 2 s sleep): about {0:0} s, {1:0.0}x slower" -f $old, ($old / $clock.Elapsed.TotalSeconds)
}
finally {
    Stop-TestSandbox $sandbox
    Remove-Item -Recurse -Force $work
}
