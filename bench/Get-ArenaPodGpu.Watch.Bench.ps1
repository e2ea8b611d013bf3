<#
.SYNOPSIS
    What a refresh of Get-ArenaPodGpu -Watch costs, with its kept sessions, against asking afresh.
.DESCRIPTION
    Starts N sandbox pods backed by real OpenSSH sshd processes, each behind a relay that adds
    50 ms each way, and measures in the same run:
      fresh10  Get-ArenaPodGpu over the fleet, 10 pods at a time: a new connection a pod, as every
               refresh of -Watch used to cost (median of -Runs)
      fresh    the same with every pod at once
      watch    Get-ArenaPodGpu -Watch: seconds a refresh after the first (median of -Refreshes), and
               the new connections they opened, counted twice: by the module's own Verbose line and
               by the logins the pods' sshd accepted
      floor    a bare SSH.NET loop (bench/SshFloor --keep) over kept sessions, one a pod, running
               the same command on every pod at once, 0.5 s apart as -Watch's refreshes: seconds a
               round (median of -Rounds, each run of the floor after a round not counted, as -Watch's
               first refresh is not; half the rounds before -Watch and half after, so a machine that
               gets busier or quieter in the meantime weighs on both)
    and prints fresh10/watch and watch/floor. Goal at 55 pods: watch/floor <= 1.2 and 0 new
    connections. Needs sshd and ssh-keygen. Run: dotnet pwsh ./build.ps1 bench
#>
param([int] $Pods = 55, [int] $DelayMs = 50, [int] $Runs = 3, [int] $Refreshes = 10, [int] $Rounds = 10, [string] $Configuration = 'Release')
$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot
Import-Module (Join-Path $root 'tests/Pester/TestHelpers.psm1') -Force
if ($reason = Get-ToolSkipReason 'sshd') { Write-Output "skipped: $reason"; return }
$modulePath = Join-Path $root 'out/ArenaInfra/ArenaInfra.psd1'
Import-Module $modulePath -Force

& dotnet build (Join-Path $PSScriptRoot 'SshFloor/SshFloor.csproj') -c $Configuration --nologo -v quiet | Out-Null
$floorDll = Join-Path $PSScriptRoot "SshFloor/bin/$Configuration/net10.0/SshFloor.dll"

Import-Module (Join-Path $PSScriptRoot 'SshBenchFleet.psm1') -Force
$bench = Start-SshBenchFleet -Root $root -Pods $Pods -DelayMs $DelayMs
$sandbox = $bench.Sandbox
$watch = $null
try {
    $config = $bench.Config
    $apiKey = $bench.ApiKey
    $fleet = $bench.Pods
    function Logins { ($fleet | ForEach-Object { (Invoke-RestMethod "$($sandbox.Url)/_sandbox/pods/$($_.Id)/sshd").logins } | Measure-Object -Sum).Sum }

    function Fresh([int] $Throttle) {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $answered = @(Get-ArenaPodGpu -Name * -Config $config -ApiKey $apiKey -ThrottleLimit $Throttle | Where-Object Responding).Count
        [pscustomobject]@{ Seconds = $clock.Elapsed.TotalSeconds; Answered = $answered }
    }
    function Median([double[]] $values) { $sorted = @($values | Sort-Object); $sorted[[int][math]::Floor($sorted.Count / 2)] }
    # The floor times itself, so neither the start of its process nor its connecting is counted against it.
    $endpoints = $fleet | ForEach-Object { $_.SshEndpoint }
    # The very command -Watch runs (GpuQuery is internal: read its constant by reflection).
    $gpuCommand = [ArenaInfra.ArenaGpuStatus].Assembly.GetType('ArenaInfra.Operations.GpuQuery', $true).GetField('Command').GetValue($null)
    function Floor([int] $Count) {
        $out = & dotnet $floorDll --keep --rounds $Count --interval-ms 500 $bench.Key $bench.User $gpuCommand @endpoints
        foreach ($line in $out -match '^round ') {
            $fields = $line -split ' '
            [pscustomobject]@{ Seconds = [double]$fields[1]; Failed = [int]$fields[2] }
        }
    }

    $null = Fresh $Pods   # warm up: host keys recorded, code paths loaded
    $fresh10 = 1..$Runs | ForEach-Object { Fresh 10 }
    $freshAll = 1..$Runs | ForEach-Object { Fresh $Pods }
    $null = Floor 1   # warm up the floor's process too
    $floorRounds = @(Floor ([math]::Ceiling($Rounds / 2)))

    # -Watch runs in a runspace of its own, as at a prompt; its Verbose lines say what each refresh cost.
    $watch = [powershell]::Create()
    $null = $watch.AddScript({
            param($ModulePath, $Config, $ApiKey)
            Import-Module $ModulePath
            Get-ArenaPodGpu -Name * -Config $Config -ApiKey $ApiKey -Watch -IntervalSec 0.5 -Verbose
        }).AddArgument($modulePath).AddArgument($config).AddArgument($apiKey)
    $loginsBefore = Logins
    $running = $watch.BeginInvoke()
    $refreshLines = { @(for ($i = 0; $i -lt $watch.Streams.Verbose.Count; $i++) { $watch.Streams.Verbose[$i].Message }) -match '^Refresh \d+:' }
    $deadline = [DateTime]::UtcNow.AddMinutes(3)
    while (@(& $refreshLines).Count -lt 1 -and [DateTime]::UtcNow -lt $deadline -and -not $running.IsCompleted) { Start-Sleep -Milliseconds 100 }
    $loginsAfterFirst = Logins
    while (@(& $refreshLines).Count -lt ($Refreshes + 1) -and [DateTime]::UtcNow -lt $deadline -and -not $running.IsCompleted) { Start-Sleep -Milliseconds 100 }
    $loginsAfterSteady = Logins
    $watch.Stop()
    $lines = @(& $refreshLines)
    if ($lines.Count -lt $Refreshes + 1) { throw "-Watch gave $($lines.Count) refreshes: $($watch.Streams.Error | Out-String)" }
    $steady = foreach ($line in $lines[1..$Refreshes]) {
        if ($line -match 'in ([\d.]+) s, (\d+) new connections') { [pscustomobject]@{ Seconds = [double]$Matches[1]; New = [int]$Matches[2] } }
    }
    $first = if ($lines[0] -match 'in ([\d.]+) s, (\d+) new') { [pscustomobject]@{ Seconds = [double]$Matches[1]; New = [int]$Matches[2] } }
    $watchSeconds = Median $steady.Seconds
    $floorRounds += @(Floor ([math]::Floor($Rounds / 2)))
    $floorSeconds = Median $floorRounds.Seconds
    $fresh10Seconds = Median $fresh10.Seconds

    ''
    "Watch benchmark: $Pods pods, real sshd, +$DelayMs ms each way"
    "  fresh10  a new connection a pod, 10 at a time  {0,6:0.00} s a refresh  ({1} answered, {2} new connections)" -f $fresh10Seconds, ($fresh10 | Select-Object -Last 1).Answered, $Pods
    "  fresh    a new connection a pod, all at once   {0,6:0.00} s a refresh  ({1} answered, {2} new connections)" -f (Median $freshAll.Seconds), ($freshAll | Select-Object -Last 1).Answered, $Pods
    "  watch    first refresh (opens the sessions)    {0,6:0.00} s            ({1} new connections; sshd logins {2})" -f $first.Seconds, $first.New, ($loginsAfterFirst - $loginsBefore)
    "  watch    steady refresh, median of {0,-3}        {1,6:0.00} s a refresh  (new connections: {2} by Verbose, {3} sshd logins in {0} refreshes)" -f $Refreshes, $watchSeconds, ($steady.New | Measure-Object -Sum).Sum, ($loginsAfterSteady - $loginsAfterFirst)
    "  floor    kept SSH.NET sessions, median of {0,-3} {1,6:0.00} s a round    ({2} failed in {0} rounds)" -f $floorRounds.Count, $floorSeconds, ($floorRounds.Failed | Measure-Object -Sum).Sum
    "  fresh10/watch = {0:0.0}   watch refresh / kept-session floor = {1:0.00} (goal <= 1.2, and 0 new connections)" -f ($fresh10Seconds / $watchSeconds), ($watchSeconds / $floorSeconds)
}
finally {
    if ($watch) { $watch.Stop(); $watch.Dispose() }
    Stop-SshBenchFleet $bench
}
