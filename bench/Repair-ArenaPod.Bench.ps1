<#
.SYNOPSIS
    What replacing pods costs beyond RunPod's own start time: Repair-ArenaPod for 1 pod and for 10.
.DESCRIPTION
    Starts sandbox pods backed by real OpenSSH sshd processes, each behind a relay that adds 50 ms
    each way, whose new pods take -StartDelayMs (20 s) to start, as RunPod's do. Each pod's home holds
    about 50 MB (800 files of 16 to 112 KB in nested folders), backed up once. Then it times
    Repair-ArenaPod (terminate, create, wait for SSH, set up, restore the backup, test) for one pod,
    and for ten at once, and prints the seconds beyond the start delay, with the slowest pod's steps.
    Goal: under 15 s beyond the start delay for 10 pods.
    Needs sshd and ssh-keygen. Run: dotnet pwsh ./build.ps1 bench
#>
param([int] $DelayMs = 50, [int] $StartDelayMs = 20000, [int] $Files = 800)
$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot
Import-Module (Join-Path $root 'tests/Pester/TestHelpers.psm1') -Force
if ($reason = Get-ToolSkipReason 'sshd') { Write-Output "skipped: $reason"; return }
Import-Module (Join-Path $root 'out/ArenaInfra/ArenaInfra.psd1') -Force

Import-Module (Join-Path $PSScriptRoot 'SshBenchFleet.psm1') -Force
$bench = Start-SshBenchFleet -Root $root -Pods 10 -DelayMs $DelayMs -StartDelayMs $StartDelayMs
try {
    $common = @{ Config = $bench.Config; ApiKey = $bench.ApiKey }
    $pods = @($bench.Pods | Sort-Object Name)
    $random = [Random]::new(23)
    $template = Join-Path $bench.Work 'home'
    for ($i = 0; $i -lt $Files; $i++) {
        $folder = Join-Path $template ('course/week{0}/part{1}' -f ($i % 4), ($i % 9))
        if (-not (Test-Path $folder)) { $null = New-Item -ItemType Directory $folder }
        $bytes = [byte[]]::new($random.Next(16KB, 112KB)); $random.NextBytes($bytes)
        [IO.File]::WriteAllBytes((Join-Path $folder "file $i.bin"), $bytes)
    }
    $homeBytes = (Get-ChildItem $template -Recurse -File | Measure-Object Length -Sum).Sum
    foreach ($pod in $pods) {
        $podHome = Join-Path (Invoke-RestMethod "$($bench.Sandbox.Url)/_sandbox/pods/$($pod.Id)/dir").path 'home'
        & cp -a "$template/." "$podHome/"
    }
    $backups = Join-Path $bench.Work 'backups'
    $null = $pods | Backup-ArenaPod -Label bench -Destination $backups @common

    function Replace([object[]] $Chosen) {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $results = @($Chosen | Repair-ArenaPod -BackupSource $backups -SkipSetup Git -TestCommand true -Force @common)
        $seconds = $clock.Elapsed.TotalSeconds
        $failed = @($results | Where-Object { -not $_.Succeeded })
        if ($failed) { throw "Repair-ArenaPod failed: $($failed | Out-String)" }
        $slowest = $results | Sort-Object { $_.Duration } -Descending | Select-Object -First 1
        [pscustomobject]@{ Seconds = $seconds; Slowest = $slowest }
    }

    $one = Replace @($pods[0])
    $ten = Replace @(Get-ArenaPod -Name ($pods.Name) @common)
    $delay = $StartDelayMs / 1000

    ''
    "Repair benchmark: real sshd, +$DelayMs ms each way, new pods start in $delay s, a home of $([math]::Round($homeBytes / 1MB)) MB ($Files files) restored"
    '  pods   seconds   beyond the start delay   slowest pod''s steps (s)'
    foreach ($row in @(@(1, $one), @(10, $ten))) {
        $steps = ($row[1].Slowest.Steps | Where-Object { -not $_.Skipped } | ForEach-Object { '{0} {1:0.0}' -f $_.Step, $_.Duration.TotalSeconds }) -join ', '
        '  {0,4} {1,9:0.0} {2,15:0.0}            {3}' -f $row[0], $row[1].Seconds, ($row[1].Seconds - $delay), $steps
    }
    '  goal: under 15 s beyond the start delay for 10 pods'
}
finally {
    Stop-SshBenchFleet $bench
}
