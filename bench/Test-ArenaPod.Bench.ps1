<#
.SYNOPSIS
    What Test-ArenaPod costs over SSH.NET itself, and how it compares with the old scripts.
.DESCRIPTION
    Starts N sandbox pods backed by real OpenSSH sshd processes, each behind a relay that adds
    50 ms each way, and times in the same run (median of -Runs):
      a   Test-ArenaPod -Command true over the fleet, all pods at once (and with the default throttle)
      b   the old method: OpenSSH 'ssh ... exit' then 'ssh ... true' per pod, 10 at a time
      c   the floor: a bare SSH.NET loop (bench/SshFloor), every pod at once, no cmdlet around it
      d   Test-ArenaPod on one pod alone
    and prints b/a, a/c and a/d. Goal at 55 pods: a/c <= 1.2 and b/a >= 4.
    Needs sshd, ssh and ssh-keygen. Run: dotnet pwsh ./build.ps1 bench
#>
param([int] $Pods = 55, [int] $DelayMs = 50, [int] $Runs = 3, [string] $Configuration = 'Release')
$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot
Import-Module (Join-Path $root 'tests/Pester/TestHelpers.psm1') -Force
foreach ($tool in 'sshd', 'ssh') { if ($reason = Get-ToolSkipReason $tool) { Write-Output "skipped: $reason"; return } }
Import-Module (Join-Path $root 'out/ArenaInfra/ArenaInfra.psd1') -Force

& dotnet build (Join-Path $PSScriptRoot 'SshFloor/SshFloor.csproj') -c $Configuration --nologo -v quiet | Out-Null
$floor = Join-Path $PSScriptRoot "SshFloor/bin/$Configuration/net10.0/SshFloor.dll"

Import-Module (Join-Path $PSScriptRoot 'SshBenchFleet.psm1') -Force
$bench = Start-SshBenchFleet -Root $root -Pods $Pods -DelayMs $DelayMs
try {
    $key = $bench.Key
    $user = $bench.User
    $config = $bench.Config
    $apiKey = $bench.ApiKey
    $fleet = $bench.Pods
    $endpoints = $fleet | ForEach-Object { $_.SshEndpoint }

    function Time([scriptblock] $Work) {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $outcome = & $Work
        $clock.Stop()
        if ($outcome -is [pscustomobject]) { return $outcome }
        [pscustomobject]@{ Seconds = $clock.Elapsed.TotalSeconds; Failed = [int]$outcome }
    }
    $measures = @{
        a = { @($fleet | Test-ArenaPod -Config $config -ApiKey $apiKey -Command true -ThrottleLimit $Pods | Where-Object { -not $_.Passed }).Count }
        a32 = { @($fleet | Test-ArenaPod -Config $config -ApiKey $apiKey -Command true | Where-Object { -not $_.Passed }).Count }
        b = {
            $results = $fleet | ForEach-Object -ThrottleLimit 10 -Parallel {
                $o = @('-i', $using:key, '-p', "$($_.SshPort)", '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
                    '-o', 'ConnectTimeout=5', '-o', 'LogLevel=ERROR', '-o', 'IdentitiesOnly=yes', "$($using:user)@$($_.PublicIp)")
                & ssh @o exit
                if ($LASTEXITCODE -eq 0) { & ssh @o true }
                $LASTEXITCODE
            }
            @($results | Where-Object { $_ -ne 0 }).Count
        }
        # The floor times itself, so the start of its process is not counted against it.
        c = { $out = & dotnet $floor $key $user true @endpoints; $fields = ($out | Select-Object -Last 1) -split ' '; [pscustomobject]@{ Seconds = [double]$fields[0]; Failed = [int]$fields[1] } }
        d = { @($fleet[0] | Test-ArenaPod -Config $config -ApiKey $apiKey -Command true | Where-Object { -not $_.Passed }).Count }
    }

    # Warm up: record the host keys, load the code paths, start the JIT.
    $null = & $measures.a
    $null = & $measures.c
    $samples = @{}
    foreach ($name in 'a', 'a32', 'b', 'c', 'd') { $samples[$name] = [Collections.Generic.List[object]]::new() }
    for ($run = 1; $run -le $Runs; $run++) {
        foreach ($name in 'a', 'a32', 'b', 'c', 'd') { $samples[$name].Add((Time $measures[$name])) }
    }
    function Median($list) { $sorted = @($list | Sort-Object Seconds); $sorted[[int][math]::Floor($sorted.Count / 2)] }
    $m = @{}
    foreach ($name in $samples.Keys) { $m[$name] = Median $samples[$name] }

    ''
    "SSH fleet benchmark: $Pods pods, real sshd, +$DelayMs ms each way, median of $Runs runs"
    "  a   Test-ArenaPod, all at once       {0,7:0.00} s  ({1} failed)" -f $m.a.Seconds, $m.a.Failed
    "  a32 Test-ArenaPod, default throttle  {0,7:0.00} s  ({1} failed)" -f $m.a32.Seconds, $m.a32.Failed
    "  b   old scripts (ssh twice, 10 at a time) {0,7:0.00} s  ({1} failed)" -f $m.b.Seconds, $m.b.Failed
    "  c   bare SSH.NET floor               {0,7:0.00} s  ({1} failed)" -f $m.c.Seconds, $m.c.Failed
    "  d   one pod alone                    {0,7:0.00} s  ({1} failed)" -f $m.d.Seconds, $m.d.Failed
    "  b/a = {0:0.00} (goal >= 4)   a/c = {1:0.00} (goal <= 1.2)   a/d = {2:0.00}" -f ($m.b.Seconds / $m.a.Seconds), ($m.a.Seconds / $m.c.Seconds), ($m.a.Seconds / $m.d.Seconds)
}
finally {
    Stop-SshBenchFleet $bench
}
