<#
.SYNOPSIS
    From nothing to a ready cohort: Deploy-ArenaPod against its physical limit and the chained commands.
.DESCRIPTION
    Starts the sandbox with real OpenSSH sshd pods behind a relay adding 50 ms each way, whose start
    delays are spread by a seeded random over the pod names (-MinStartSec to -MaxStartSec; a name
    waits as long in every phase and every run), whose set-up takes -SetupDelayMs longer on the pod's
    side (its git fetch), and with one bad host: a machine with a fault placed under -BadName, so
    that name's first pod fails its check and must be replaced (its replacement lands on a fresh
    machine). In one run it times, each phase on a fresh fleet and data folder:
      c   the chained commands: New-ArenaPod -Wait | Initialize-ArenaPod | Test-ArenaPod, then the
          failed pods replaced by hand (Remove-ArenaPod, New-ArenaPod -Wait, Initialize-, Test-)
      a   Deploy-ArenaPod -Count: each pod on its own way to READY, the bad host replaced by itself
      b   the physical limit, from per-pod times measured in this run: each pod's own start (create to
          its sshd answering, watched while c runs), its set-up and its check (each timed alone on
          idle pods); the limit is the largest per-pod sum, the bad host's name counted twice
          (its first pod, then its replacement)
    and prints a/b (goal <= 1.1) and a/c (goal < 1).
    Parts the build lacks are said, not faked: without Deploy-ArenaPod, a is "not available"; a
    sandbox without machines and placement (POST /_sandbox/machines, /_sandbox/placement) runs
    without the bad host; without Test-ArenaPod -Deep the check is Test-ArenaPod -Command nvidia-smi.
    -Quick: 6 pods starting in 1 to 8 s, a set-up 1 s longer. A 30-pod run takes about 6 minutes.
    Needs sshd, ssh-keygen and git. Run: dotnet pwsh ./build.ps1 build; dotnet pwsh ./bench/Deploy-ArenaPod.Bench.ps1
#>
param(
    [int] $Count = 30,
    [int] $Seed = 24,
    [double] $MinStartSec = 5,
    [double] $MaxStartSec = 60,
    [int] $SetupDelayMs = 5000,
    [int] $DelayMs = 50,
    [string] $BadName = 'p01',
    [ValidateSet('noNvidiaSmi', 'oldDriver', 'missingGpu', 'badMatmul', 'slowDownload')] [string] $BadFault = 'badMatmul',
    [switch] $Quick,
    [switch] $SkipChained
)
$ErrorActionPreference = 'Stop'
if ($Quick) {
    if (-not $PSBoundParameters.ContainsKey('Count')) { $Count = 6 }
    if (-not $PSBoundParameters.ContainsKey('MinStartSec')) { $MinStartSec = 1 }
    if (-not $PSBoundParameters.ContainsKey('MaxStartSec')) { $MaxStartSec = 8 }
    if (-not $PSBoundParameters.ContainsKey('SetupDelayMs')) { $SetupDelayMs = 1000 }
}
$root = Split-Path $PSScriptRoot
Import-Module (Join-Path $root 'tests/Pester/TestHelpers.psm1') -Force
foreach ($tool in 'sshd', 'git') { if ($reason = Get-ToolSkipReason $tool) { Write-Output "skipped: $reason"; return } }
Import-Module (Join-Path $root 'out/ArenaInfra/ArenaInfra.psd1') -Force

$names = 1..$Count | ForEach-Object { 'p{0:00}' -f $_ }
if ($BadName -notin $names) { throw "-BadName $BadName is not one of the $Count pods ($($names[0]) to $($names[-1]))." }
$prefix = 'bench'
$badPod = "$prefix-$BadName"
$work = Join-Path ([IO.Path]::GetTempPath()) ("arena-deploybench-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
$null = New-Item -ItemType Directory $work
$savedData = $env:ARENA_INFRA_DATA
$sandbox = $null
$watch = $null
$seen = [Collections.Concurrent.ConcurrentDictionary[string, object]]::new()
$control = [hashtable]::Synchronized(@{ Stop = $false })
try {
    $spread = '{0}:{1}-{2}' -f $Seed, [int]($MinStartSec * 1000), [int]($MaxStartSec * 1000)
    $sandbox = Start-TestSandbox -Arguments '--start-delay-ms', '0', '--sshd', 'auto', '--ssh-delay-ms', "$DelayMs",
        '--start-delay-spread', $spread, '--setup-delay-ms', "$SetupDelayMs", '--pods-dir', (Join-Path $work 'pods')
    $sandboxKey = Get-SandboxKey
    $apiKey = ConvertTo-SecureString $sandboxKey -AsPlainText -Force

    # The course repository every set-up clones and fetches.
    $origin = Join-Path $work 'origin.git'
    $seedRepo = Join-Path $work 'seed'
    & git init -q --bare -b main $origin
    & git clone -q $origin $seedRepo 2>$null
    Set-Content (Join-Path $seedRepo 'README.md') 'course'
    & git -C $seedRepo add README.md
    & git -C $seedRepo -c user.name=bench -c user.email=bench@bench.invalid commit -q -m start
    & git -C $seedRepo push -q origin HEAD:main 2>$null
    if ($LASTEXITCODE -ne 0) { throw 'could not make the course repository' }

    $key = Join-Path $work 'key'
    Copy-Item (Join-Path $root 'tests/fixtures/keys/test_ed25519') $key
    Copy-Item (Join-Path $root 'tests/fixtures/keys/test_ed25519.pub') "$key.pub"
    if (-not $IsWindows) { & chmod 600 $key }
    # The check: Deploy's deep check where the build has it (its download from the sandbox, not the
    # internet), else a command every sandbox pod answers.
    $deep = (Get-Command Test-ArenaPod).Parameters.ContainsKey('Deep')
    $deepSettings = if ($deep) { "DEEP_CHECK_URL=$($sandbox.Url)/_sandbox/download", 'DEEP_CHECK_DOWNLOAD_MB=8' } else { @() }
    $configFile = Join-Path $work 'config.env'
    Set-Content $configFile (@(
            "SHARED_SSH_KEY_PATH=$key", "SSH_USER=$([Environment]::UserName)", "MACHINE_NAME_PREFIX=$prefix",
            "MACHINE_NAME_LIST=($($names -join ' '))", 'RUNPOD_API_MAX_RPS=0', "RUNPOD_API_BASE_URL=$($sandbox.Url)",
            'GIT_SSH_KEY_REMOTE=~/.ssh/id_deploy', 'ARENA_REPO_NAME=course', "ARENA_REPO_URL=$origin", 'DEFAULT_BRANCH=main'
        ) + $deepSettings -join "`n")
    $config = Import-ArenaConfig $configFile -NoDefault
    $common = @{ Config = $config; ApiKey = $apiKey }

    $check = if ($deep) { @{ Deep = $true } } else { @{ Command = 'nvidia-smi' } }
    $checkWords = if ($deep) { 'Test-ArenaPod -Deep' } else { 'Test-ArenaPod -Command nvidia-smi (this build has no deep check)' }

    function Invoke-Sandbox([string] $Method, [string] $Path, $Body) {
        $request = @{ Method = $Method; Uri = "$($sandbox.Url)$Path"; SkipHttpErrorCheck = $true }
        if ($null -ne $Body) { $request.ContentType = 'application/json'; $request.Body = $Body | ConvertTo-Json -Compress -Depth 4 }
        $answer = Invoke-WebRequest @request
        [int]$answer.StatusCode
    }

    # The bad host: a machine with a fault, and the bad name's next create placed on it (each phase again).
    $badMachine = 'm-bad'
    $status = Invoke-Sandbox Post '/_sandbox/machines' @{ id = $badMachine; fault = $BadFault; gpuCount = 1 }
    $hasMachines = $status -lt 300
    $badWords = if ($hasMachines) { "$badPod on a machine with the fault $BadFault" }
    else { "none: this sandbox has no POST /_sandbox/machines (HTTP $status), so no pod fails its check" }
    function Set-BadPlacement {
        if (-not $hasMachines) { return }
        $placed = Invoke-Sandbox Post '/_sandbox/placement' @{ name = $badPod; machines = @($badMachine) }
        if ($placed -ge 300) { throw "the sandbox has machines but refused POST /_sandbox/placement (HTTP $placed)" }
    }

    # A fresh fleet and data folder for each phase, so none inherits another's pods, journals or host keys.
    $phase = 0
    function Reset-Fleet {
        $script:phase++
        $null = Invoke-Sandbox Delete '/_sandbox/pods' $null
        $env:ARENA_INFRA_DATA = Join-Path $work "data$script:phase"
        $null = New-Item -ItemType Directory $env:ARENA_INFRA_DATA -Force
        Set-BadPlacement
    }

    # Watches every pod from its create to its sshd answering: the per-pod start the limit is made of.
    function Start-Watch {
        $seen.Clear()
        $control.Stop = $false
        Start-ThreadJob -ArgumentList $sandbox.Url, $sandboxKey, $seen, $control -ScriptBlock {
            param($url, $bearer, $seen, $control)
            $headers = @{ Authorization = "Bearer $bearer" }
            while (-not $control.Stop) {
                try { $pods = @((Invoke-RestMethod -Uri "$url/v2/pods" -Headers $headers -TimeoutSec 5).pods) } catch { $pods = @() }
                $now = [DateTimeOffset]::UtcNow
                foreach ($pod in $pods) {
                    $entry = $seen.GetOrAdd($pod.id, [pscustomobject]@{ Id = $pod.id; Name = $pod.name; FirstSeen = $now; Answered = $null })
                    $direct = $pod.ssh.direct
                    if ($entry.Answered -or -not $direct) { continue }
                    $client = [Net.Sockets.TcpClient]::new()
                    try { if ($client.ConnectAsync([string]$direct.host, [int]$direct.port).Wait(1000)) { $entry.Answered = [DateTimeOffset]::UtcNow } } catch { }
                    finally { $client.Dispose() }
                }
                Start-Sleep -Milliseconds 100
            }
        }
    }
    function Stop-Watch($Job) {
        $control.Stop = $true
        $null = Wait-Job $Job -Timeout 15
        Remove-Job $Job -Force
        # Each pod's start counts from its create request as the sandbox logged it (the k-th create of a name is its k-th pod).
        $creates = @(Get-SandboxRequest $sandbox | Where-Object { $_.method -eq 'POST' -and $_.path -eq '/v2/pods' -and $_.status -lt 300 } |
            ForEach-Object { [pscustomobject]@{ Name = ($_.body | ConvertFrom-Json).name; Time = [DateTimeOffset]$_.time } })
        $byName = $seen.Values | Group-Object Name
        foreach ($group in $byName) {
            $pods = @($group.Group | Sort-Object FirstSeen)
            $times = @($creates | Where-Object Name -eq $group.Name | Sort-Object Time)
            for ($i = 0; $i -lt $pods.Count; $i++) {
                $from = if ($i -lt $times.Count) { $times[$i].Time } else { $pods[$i].FirstSeen }
                [pscustomobject]@{ Name = $group.Name; Attempt = $i + 1; Id = $pods[$i].Id
                    Start = if ($pods[$i].Answered) { ($pods[$i].Answered - $from).TotalSeconds } else { $null } }
            }
        }
    }
    function Seconds([scriptblock] $Work) {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $null = & $Work
        $clock.Elapsed.TotalSeconds
    }

    Write-Host "Deploy benchmark: $Count pods, starts spread $MinStartSec-$MaxStartSec s (seed $Seed), set-up +$($SetupDelayMs / 1000) s, real sshd +$DelayMs ms each way"
    Write-Host "  bad host: $badWords"
    Write-Host "  check:    $checkWords"

    # ---- c: the chained commands, the bad host's pod replaced by hand; the watch measures each pod's start ----
    $starts = @()
    $chained = $null
    if (-not $SkipChained) {
        Reset-Fleet
        Write-Host "  (c) chained commands ..."
        $watch = Start-Watch
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $tested = @(New-ArenaPod -Count $Count -Wait -TimeoutSec 600 -ThrottleLimit $Count -Force @common |
                Initialize-ArenaPod -ThrottleLimit $Count -Force @common | Tee-Object -Variable setups |
                Test-ArenaPod -ThrottleLimit $Count @check @common)
        $pipeline = $clock.Elapsed.TotalSeconds
        $failed = @($tested | Where-Object { -not $_.Passed } | ForEach-Object { $_.Name })
        $setupFailed = @($setups | Where-Object { -not $_.Succeeded } | ForEach-Object { $_.Name })
        $byHand = @($failed + $setupFailed | Sort-Object -Unique)
        $handClock = [Diagnostics.Stopwatch]::StartNew()
        $replaced = @()
        if ($byHand) {
            $machines = @($byHand | ForEach-Object { $_ -replace "^$prefix-", '' })
            Remove-ArenaPod -Name $machines -Force @common | Out-Null
            $replaced = @(New-ArenaPod -Name $machines -Wait -TimeoutSec 600 -Force @common |
                    Initialize-ArenaPod -Force @common | Test-ArenaPod @check @common)
        }
        $hand = $handClock.Elapsed.TotalSeconds
        $chainedSeconds = $clock.Elapsed.TotalSeconds
        $starts = @(Stop-Watch $watch)
        $watch = $null
        $stillFailed = @($replaced | Where-Object { -not $_.Passed }).Count
        $chained = [pscustomobject]@{ Seconds = $chainedSeconds; Pipeline = $pipeline; Hand = $hand; Replaced = $byHand; Ready = $Count - @($byHand).Count + @($replaced | Where-Object Passed).Count; StillFailed = $stillFailed }

        # Set-up and check, each timed alone on an idle pod (fresh home for the set-up), on a few good pods.
        $sample = @($names | Where-Object { "$prefix-$_" -notin $byHand } | Select-Object -First 3)
        $alone = foreach ($machine in $sample) {
            $null = Test-ArenaPod -Name $machine -Command 'rm -rf -- "$HOME/course" "$HOME/.name"' @common
            $setup = Initialize-ArenaPod -Name $machine -Force @common
            $test = Test-ArenaPod -Name $machine @check @common
            [pscustomobject]@{ Name = $machine; Setup = $setup.Duration.TotalSeconds; Check = $test.Duration.TotalSeconds; Ok = $setup.Succeeded -and $test.Passed }
        }
    }

    # ---- a: Deploy-ArenaPod, once the build has it ----
    $deploy = $null
    if (Get-Command Deploy-ArenaPod -ErrorAction SilentlyContinue) {
        Reset-Fleet
        Write-Host "  (a) Deploy-ArenaPod ..."
        $parameters = (Get-Command Deploy-ArenaPod).Parameters
        $extra = @{}
        if ($parameters.ContainsKey('ThrottleLimit')) { $extra.ThrottleLimit = $Count }
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $stopped = $null
        try { $results = @(Deploy-ArenaPod -Count $Count -Force @extra @common -ErrorAction SilentlyContinue -ErrorVariable deployErrors) }
        catch { $results = @(); $stopped = $_.Exception.Message }
        $seconds = $clock.Elapsed.TotalSeconds
        $perPod = @($results | Where-Object { $_.PSObject.Properties['Name'] -and $_.PSObject.Properties['Stage'] })
        $ready = @($perPod | Where-Object { "$($_.Stage)" -eq 'Ready' }).Count
        $replacements = ($perPod | ForEach-Object { if ($_.PSObject.Properties['Replacements']) { [int]$_.Replacements } else { 0 } } | Measure-Object -Sum).Sum
        # The slowest pod's own stage times, where the results carry them: where Deploy's time went.
        $slowest = $perPod | Where-Object { $_.PSObject.Properties['TotalSeconds'] } | Sort-Object TotalSeconds -Descending | Select-Object -First 1
        $stages = if ($slowest -and $slowest.PSObject.Properties['StageSeconds']) { "$($slowest.Name) {0:0.0} s: $(@($slowest.StageSeconds) -join ', ')" -f $slowest.TotalSeconds } else { $null }
        $deploy = [pscustomobject]@{ Seconds = $seconds; Ready = $ready; Replacements = $replacements; Errors = @($deployErrors).Count; Stopped = $stopped; Stages = $stages }
    }

    # ---- b: the physical limit, from what was measured above ----
    $limit = $null
    if ($starts) {
        $setup = ($alone | Measure-Object Setup -Maximum).Maximum
        $checkSec = ($alone | Measure-Object Check -Maximum).Maximum
        $firsts = @($starts | Where-Object { $_.Attempt -eq 1 -and $null -ne $_.Start })
        $perPod = foreach ($s in $firsts) {
            $sum = $s.Start + $setup + $checkSec
            $again = $starts | Where-Object { $_.Name -eq $s.Name -and $_.Attempt -eq 2 -and $null -ne $_.Start } | Select-Object -First 1
            $twice = $s.Name -eq $badPod -and $hasMachines
            if ($twice) { $sum += $(if ($again) { $again.Start } else { $s.Start }) + $setup + $checkSec }
            [pscustomobject]@{ Name = $s.Name; Start = $s.Start; Sum = $sum; Twice = $twice }
        }
        $worst = $perPod | Sort-Object Sum -Descending | Select-Object -First 1
        $bad = $perPod | Where-Object Name -eq $badPod
        $limit = [pscustomobject]@{ Seconds = $worst.Sum; Worst = $worst; Bad = $bad; Setup = $setup; Check = $checkSec
            MinStart = ($firsts | Measure-Object Start -Minimum).Minimum; MaxStart = ($firsts | Measure-Object Start -Maximum).Maximum; Watched = $firsts.Count }
    }

    ''
    "Deploy benchmark: $Count pods, starts spread $MinStartSec-$MaxStartSec s (seed $Seed), set-up +$($SetupDelayMs / 1000) s on the pod, real sshd +$DelayMs ms each way"
    "  bad host:  $badWords"
    "  check:     $checkWords"
    if ($limit) {
        "  measured:  starts {0:0.0} to {1:0.0} s ({2} of {3} pods watched); set-up {4:0.0} s, check {5:0.0} s (alone, slowest of {6})" -f $limit.MinStart, $limit.MaxStart, $limit.Watched, $Count, $limit.Setup, $limit.Check, @($alone).Count
        if (@($alone | Where-Object { -not $_.Ok })) { "  warning:   a set-up or check timed alone failed: $(($alone | Where-Object { -not $_.Ok }).Name -join ', ')" }
        $why = if ($limit.Worst.Twice) { "$($limit.Worst.Name): twice start + set-up + check, its first pod on the bad host" } else { "$($limit.Worst.Name): start {0:0.0} + set-up + check" -f $limit.Worst.Start }
        "  (b) physical limit   {0,7:0.0} s   ({1})" -f $limit.Seconds, $why
        if ($limit.Bad -and -not $limit.Worst.Twice -and $hasMachines) { "                                 ($badPod with its replacement: {0:0.0} s)" -f $limit.Bad.Sum }
    }
    else { '  (b) physical limit   not measured (it needs the chained phase: run without -SkipChained)' }
    if ($chained) {
        "  (c) chained          {0,7:0.0} s   (pipeline {1:0.0} s, then by hand {2:0.0} s for {3}; {4} of {5} ready{6})" -f $chained.Seconds, $chained.Pipeline, $chained.Hand,
            $(if ($chained.Replaced) { $chained.Replaced -join ', ' } else { 'no pod' }), $chained.Ready, $Count, $(if ($chained.StillFailed) { ", $($chained.StillFailed) still failing" } else { '' })
    }
    else { '  (c) chained          skipped (-SkipChained)' }
    if ($deploy) {
        "  (a) Deploy-ArenaPod  {0,7:0.0} s   ({1} of {2} READY, {3} replacement(s), {4} error(s))" -f $deploy.Seconds, $deploy.Ready, $Count, $deploy.Replacements, $deploy.Errors
        if ($deploy.Stopped) { "                       it stopped: $($deploy.Stopped)" }
        if ($deploy.Stages) { "                       slowest pod $($deploy.Stages)" }
        $toLimit = if ($limit) { '{0:0.00}' -f ($deploy.Seconds / $limit.Seconds) } else { 'n/a' }
        $toChained = if ($chained) { '{0:0.00}' -f ($deploy.Seconds / $chained.Seconds) } else { 'n/a' }
        "  Deploy/limit = $toLimit (goal <= 1.1)   Deploy/chained = $toChained (goal < 1)"
    }
    else {
        '  (a) Deploy-ArenaPod  not available (this build has no Deploy-ArenaPod)'
        '  Deploy/limit = n/a (goal <= 1.1)   Deploy/chained = n/a (goal < 1)'
    }
}
finally {
    $control.Stop = $true
    if ($watch) { Remove-Job $watch -Force -ErrorAction SilentlyContinue }
    if ($sandbox) {
        Stop-TestSandbox $sandbox
        # Only the process this script started, by its id, with the sshd processes it started.
        if (-not $sandbox.Process.HasExited) { $sandbox.Process.Kill($true) }
    }
    $env:ARENA_INFRA_DATA = $savedData
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
