<#
.SYNOPSIS
    A tour of ArenaInfra against the local RunPod sandbox: what an organiser does on day one.
.DESCRIPTION
    Started by 'dotnet pwsh ./build.ps1 demo', which builds the module and the sandbox first.
    Nothing here touches RunPod's cloud: the sandbox plays RunPod on 127.0.0.1.
#>
[CmdletBinding()]
param([string] $Configuration = 'Release')
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$root = Split-Path $PSScriptRoot
function Step([string] $Title, [string] $Code) {
    Write-Host ''
    Write-Host "== $Title" -ForegroundColor Cyan
    Write-Host "PS> $Code" -ForegroundColor Yellow
    $result = Invoke-Expression $Code
    if ($null -ne $result) { $result | Out-Host }
}

# The sandbox: RunPod's REST API v2 (and its GraphQL API) on a free loopback port, with a small fleet in every state.
# Where sshd is installed, each running pod is a real sshd on a loopback port that trusts the demo key.
$dll = Join-Path $root "tests/RunPodSandbox/bin/$Configuration/net10.0/RunPodSandbox.dll"
$demoKey = 'demo-' + [guid]::NewGuid().ToString('N').Substring(0, 12)
$sshd = @('/usr/sbin/sshd', '/usr/local/sbin/sshd') | Where-Object { Test-Path $_ } | Select-Object -First 1
# sshd run as root insists on its privilege-separation folder, /run/sshd: root can make it, so the demo does.
if ($sshd -and [Environment]::UserName -eq 'root' -and -not (Test-Path /run/sshd)) { $null = New-Item -ItemType Directory /run/sshd -ErrorAction SilentlyContinue }
$noSsh = if (-not $sshd) { 'sshd is not installed (Debian and Ubuntu: apt-get install openssh-server)' }
elseif (-not (Get-Command ssh-keygen -ErrorAction SilentlyContinue)) { 'ssh-keygen is not installed (it comes with openssh-client)' }
elseif ([Environment]::UserName -eq 'root' -and -not (Test-Path /run/sshd)) { 'sshd runs as root here and needs /run/sshd, which could not be made' }
$canSsh = -not $noSsh
$sandboxArgs = @($dll, '--port', '0', '--api-key', $demoKey, '--seed', 'demo', '--prefix', 'camp', '--start-delay-ms', '6000', '--parent-pid', "$PID",
    '--seed-public-key', (Join-Path $root 'tests/fixtures/keys/test_ed25519.pub'), '--exit-on-stdin-close')
# --runpod-env: a session on a demo pod has what one on RunPod has, none of the sandbox's own variables.
if ($canSsh) { $sandboxArgs += '--sshd', $sshd, '--runpod-env' }
$info = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
foreach ($a in $sandboxArgs) { $info.ArgumentList.Add($a) }
$info.RedirectStandardOutput = $true
$info.RedirectStandardInput = $true
$info.UseShellExecute = $false
$sandbox = [System.Diagnostics.Process]::Start($info)
try {
    $line = $sandbox.StandardOutput.ReadLine()
    if ($line -notmatch '(http://[0-9.:]+)') { throw "The sandbox did not start: $line" }
    $url = $Matches[1]
    Write-Host "RunPod sandbox running at $url (PID $($sandbox.Id))" -ForegroundColor DarkGray

    # As an organiser would: the key in the environment, never in a file or a URL.
    $env:RUNPOD_API_KEY = $demoKey
    $env:RUNPOD_API_BASE_URL = $url
    $env:ARENA_CONFIG = $null
    # The demo's pods come and go: keep their host keys out of your real data folder.
    $env:ARENA_INFRA_DATA = Join-Path ([IO.Path]::GetTempPath()) ('arena-demo-data-' + [guid]::NewGuid().ToString('N').Substring(0, 8))

    Step 'Load the module' "Import-Module '$(Join-Path $root 'out/ArenaInfra/ArenaInfra.psd1')'; Get-Command -Module ArenaInfra | Format-Table Name, CommandType"
    # The demo's config.env, with the shared key pointed at a throwaway key for this run.
    $work = Join-Path ([IO.Path]::GetTempPath()) ('arena-demo-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = New-Item -ItemType Directory $work
    Copy-Item (Join-Path $root 'tests/fixtures/keys/test_ed25519*') $work
    $configFile = Join-Path $work 'config.env'
    # The sandbox's sshd runs as you, so the pods' SSH user is you too, and a pod's paths are folders
    # of this machine: the deploy key goes into the pod's own home (~ there), never into yours.
    @((Get-Content (Join-Path $PSScriptRoot 'config.env')) -replace '^SHARED_SSH_KEY_PATH=.*', "SHARED_SSH_KEY_PATH=`"$work/test_ed25519`"") + "SSH_USER=$([Environment]::UserName)" + 'GIT_SSH_KEY_REMOTE=~/.ssh/id_ed25519' + 'VSCODE_PREINSTALL=false' +
        # The deep check measures the pods' download speed on a file the sandbox serves, never on the internet.
        "DEEP_CHECK_URL=$url/_sandbox/download" + 'DEEP_CHECK_DOWNLOAD_MB=4' | Set-Content $configFile

    Step 'Read the fleet config (the old scripts'' config.env)' "Import-ArenaConfig '$configFile'"
    Step 'Where each setting comes from' "Get-ArenaConfig -ShowSource | Select-Object -First 8 | Format-Table"
    Step 'The fleet: a pod still starting, one stopped, the others ready' 'Get-ArenaPod'
    Step 'Only the pods a participant can use now' 'Get-ArenaPod -Status Running | Format-Table Name, SshEndpoint, ProxyPort, Uptime'
    Step 'What the fleet costs per hour' "'{0:0.00} USD/hour for {1} running pods' -f (Get-ArenaPod -Status Running | Measure-Object CostPerHour -Sum).Sum, @(Get-ArenaPod -Status Running).Count"
    Step 'Pods outside the fleet are left alone unless you ask (-All)' 'Get-ArenaPod -All | Format-Table Name, Status, IsFleetPod'
    Step 'RunPod''s REST API v2 is spoken by default (RUNPOD_API=graphql keeps the deprecated API until it is retired)' '(Get-ArenaConfig).Api'
    Step 'Why is charlie not ready yet? Its log says' 'Get-ArenaPodLog -Name charlie -Tail 5'
    Step 'Names with wildcards; a name that matches nothing is a clear error' "Get-ArenaPod -Name 'a*', zulu -ErrorAction Continue"

    Write-Host ''
    Write-Host '== RunPod has a bad minute: two HTTP 429s, then an answer (retries shown with -Verbose)' -ForegroundColor Cyan
    $null = Invoke-RestMethod -Method Post -Uri "$url/_sandbox/faults" -ContentType 'application/json' -Body '{"kind":"status","status":429,"retryAfter":"1","count":2}'
    Write-Host 'PS> Get-ArenaPod -Name alpha -Verbose' -ForegroundColor Yellow
    Get-ArenaPod -Name alpha -Verbose | Out-Host

    Write-Host ''
    Write-Host '== A wrong key: a catchable error with a stable id and advice, never the key' -ForegroundColor Cyan
    Write-Host "PS> try { Get-ArenaPod -ApiKey `$wrongKey -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId; `$_.ErrorDetails.RecommendedAction }" -ForegroundColor Yellow
    try { Get-ArenaPod -ApiKey (ConvertTo-SecureString 'not-the-key' -AsPlainText -Force) -ErrorAction Stop }
    catch { Write-Host $_.FullyQualifiedErrorId; Write-Host $_.ErrorDetails.RecommendedAction }

    Write-Host ''
    Write-Host '== A few seconds later the starting pod is ready' -ForegroundColor Cyan
    $deadline = [DateTime]::UtcNow.AddSeconds(20)
    while (@(Get-ArenaPod -Status Starting).Count -gt 0 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 500 }
    Write-Host 'PS> Get-ArenaPod' -ForegroundColor Yellow
    Get-ArenaPod | Out-Host

    Step 'Two more pods: first see what they would cost' 'New-ArenaPod -Add 2 -WhatIf'
    Step 'Create them (no prompt with -Force) and wait until they can be reached' 'New-ArenaPod -Add 2 -Force -Wait -InformationAction Continue'
    if ($canSsh) {
        Step 'The morning check: one SSH connection per pod, all at once (no conda here, so a plain command)' "Get-ArenaPod | Test-ArenaPod -Command 'uname -sr' -InformationAction Continue"
        Step 'A participant''s work on bravo' "Invoke-ArenaPodCommand -Name bravo -Command 'mkdir -p ~/course && echo ''my notes'' > ~/course/notes.md && ls ~/course' | Format-Table Name, ExitCode, StdOut"
        Step 'The evening backup: one listing and one stream a pod, only what changed' "Get-ArenaPod -Status Running | Backup-ArenaPod -Label day1 -Destination (Join-Path '$work' 'backup')"
        $bravo = (Get-ArenaPod -Name bravo).Id
        $null = Invoke-RestMethod -Method Post -Uri "$url/_sandbox/pods/$bravo/sshd/stop"
        Step 'bravo''s sshd has died: the check says where it fails' "Get-ArenaPod | Test-ArenaPod -Command 'uname -sr' -ConnectTimeoutSec 3 | Where-Object { -not `$_.Passed } | Format-List Name, Stage, Error"
        Step 'GPU use across the fleet (bravo does not answer, and says so)' 'Get-ArenaPod -Status Running | Get-ArenaPodGpu -ConnectTimeoutSec 3'
        # The demo's proxy is only a name in its config, so the replacement leaves publishing for later.
        Step 'Replace the pod that cannot be reached, under its name: a new pod, set up, its work restored, tested' "Get-ArenaPod | Test-ArenaPod -Command true -ConnectTimeoutSec 3 | Where-Object Stage -eq Connect | Repair-ArenaPod -BackupSource (Join-Path '$work' 'backup') -SkipSetup Git -TestCommand true -NoPublish -Force | Select-Object -ExpandProperty Steps | Format-Table Step, Succeeded, Duration, Detail"
        Step 'The new bravo holds the work' "Invoke-ArenaPodCommand -Name bravo -Command 'cat ~/course/notes.md' | Format-Table Name, ExitCode, StdOut"
        Step 'Hand out an API key: one export line a pod, the value never shown' "Set-ArenaPodSecret -Name * -ExcludeName bravo, delta -VariableName OPENAI_API_KEY -Value (ConvertTo-SecureString 'sk-demo' -AsPlainText -Force) -Force"
        Step 'The deep check: nvidia-smi and the driver, the GPU counts, a computation on every GPU, disk, download, load' "Get-ArenaPod -Name alpha, charlie | Test-ArenaPod -Deep | Select-Object -ExpandProperty Checks | Format-Table"
        # One of RunPod's hosts is bad (its GPU computes wrong), and the next pod named hotel lands on it.
        $null = Invoke-RestMethod -Method Post -Uri "$url/_sandbox/machines" -ContentType 'application/json' -Body '{"id":"m-badgpu","fault":"badMatmul"}'
        $null = Invoke-RestMethod -Method Post -Uri "$url/_sandbox/placement" -ContentType 'application/json' -Body '{"name":"camp-hotel","machines":["m-badgpu"]}'
        Step 'Or all of it in one command: each pod on its own way to READY, deep-checked, a bad host replaced, locked' "Deploy-ArenaPod -Add 2 -SkipSetup Git -NoPublish -Lock -Force -InformationAction Continue | Format-Table Name, Status, Stage, TotalSeconds, Replacements, GivenUpMachines, Locked"
        Step 'A locked pod: RunPod refuses to stop it, from any client; the module says so before asking' "Stop-ArenaPod -Name golf -AllowDataLoss -Force -ErrorAction Continue"
        Step 'The fleet: Lock and Health (each pod''s last deep-check verdict, and its age)' 'Get-ArenaPod'
        Step 'Unlocked again for the rest of the tour' 'Unlock-ArenaPod -Name golf, hotel -Force | Format-Table Name, Status, Locked'
        Step 'A status page for participants: each machine up (its sshd answered), starting or down, and its last deep check; nothing else' "Export-ArenaStatusPage -Path (Join-Path '$work' 'status') | Format-List Path, Machines, Up, Starting, Down; (Get-Content -Raw (Join-Path '$work' 'status/status.json') | ConvertFrom-Json).machines | Format-Table machine, gpu, state, check"
        # A machine made by hand (here: alpha's own sshd, as a box in the lab would be) joins through a hosts file.
        $alphaPod = Get-ArenaPod -Name alpha
        Set-Content (Join-Path $work 'hosts.csv') "machine,host,port,user,gpu`nlab,$($alphaPod.PublicIp),$($alphaPod.SshPort),$([Environment]::UserName),RTX 3090 (lab)"
        Get-Content $configFile | Set-Content (Join-Path $work 'mixed.env')
        Add-Content (Join-Path $work 'mixed.env') "ARENA_HOSTS=$(Join-Path $work 'hosts.csv')"
        Step 'A machine made by hand joins through a hosts file (ARENA_HOSTS): one list, the same commands' "Import-ArenaConfig '$(Join-Path $work 'mixed.env')' | Out-Null; Get-ArenaPod -Name alpha, lab | Format-Table Name, Provider, Status, GpuType, SshEndpoint; Get-ArenaPod -Name lab | Test-ArenaPod -Command 'uname -sr' | Format-Table Name, Passed, Stage"
        Step 'Its life is its owner''s: stop, start and remove refuse it before anything is done' "Stop-ArenaPod -Name lab -Force -ErrorAction Continue; Import-ArenaConfig '$configFile' | Out-Null"
        Step 'Run a command on every pod; exit codes and output come back as objects' "Get-ArenaPod -Status Running -ExcludeName bravo | Invoke-ArenaPodCommand -Command 'echo `$(nproc) cores, up `$(cut -d. -f1 /proc/uptime) s'"
    }
    else {
        Write-Host ''
        Write-Host "== SSH checks (Test-ArenaPod, Invoke-ArenaPodCommand): skipped, because $noSsh" -ForegroundColor DarkGray
    }
    Step 'Participants'' SSH config: every machine name on a fixed proxy port, so it never changes' 'Export-ArenaSshConfig -Mode Proxy'
    Step 'The proxy''s nginx config, in the same port order' "Export-ArenaNginxConfig -ListenAddress 127.0.0.1 | Select-Object -First 1 | ForEach-Object { (`$_ -split ""``n"" | Select-Object -Last 7) -join ""``n"" }"
    Step 'The kit to hand out: key, config, README and installers for Windows, macOS and Linux' "Export-ArenaParticipantKit -Path (Join-Path '$work' 'kit') | Get-ChildItem | Format-Table Name, Length"
    Step 'A command that changes pods never picks the whole fleet by itself' "try { Stop-ArenaPod -Force } catch { `$_.Exception.Message; `$_.ErrorDetails.RecommendedAction }"
    Step 'An empty pipeline changes nothing: no pod comes through, so Remove-ArenaPod removes none' "Get-ArenaPod -Status Stopped | Where-Object Name -eq 'camp-zulu' | Remove-ArenaPod -Force -PassThru; 'removed: nothing'"
    Step 'A stop erases the container disk: pods without a volume are refused until you say so' "try { Stop-ArenaPod -Name * -ExcludeName alpha -Force } catch { `$_.Exception.Message; `$_.ErrorDetails.RecommendedAction }"
    Step 'Evening: stop everything but alpha, knowing what is erased' 'Stop-ArenaPod -Name * -ExcludeName alpha -AllowDataLoss -Force -PassThru'
    Step 'Removing a running pod needs -Force; a stopped one only a confirmation' "Remove-ArenaPod -Name alpha -Confirm:`$false -ErrorAction Continue; Remove-ArenaPod -Name echo -Confirm:`$false -PassThru"
    Step 'The end of the program: tear the fleet down' 'Get-ArenaPod | Remove-ArenaPod -Force -PassThru | Format-Table Name, Status'
    Step 'Nothing left but the pod that is not ours' 'Get-ArenaPod -All'

    Write-Host ''
    Write-Host 'Help for every command: Get-Help Get-ArenaPod -Full' -ForegroundColor DarkGray
    Write-Host 'Demo finished.' -ForegroundColor Green
}
finally {
    if (Get-Variable work -ErrorAction SilentlyContinue) { Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue }
    if ($env:ARENA_INFRA_DATA -like '*arena-demo-data-*') { Remove-Item -Recurse -Force $env:ARENA_INFRA_DATA -ErrorAction SilentlyContinue }
    # Closing its input stops the sandbox and its sshd processes; a kill (only the process this script started) is the fallback.
    if (-not $sandbox.HasExited) {
        $sandbox.StandardInput.Close()
        if (-not $sandbox.WaitForExit(10000)) { $sandbox.Kill() }
    }
}
