# The fleet the SSH benchmarks share: sandbox pods backed by real OpenSSH sshd, each behind a
# relay that adds a delay each way, created through the module as an organiser would.

function Start-SshBenchFleet {
    param([Parameter(Mandatory)] [string] $Root, [int] $Pods = 55, [int] $DelayMs = 50, [int] $StartDelayMs = 0)
    $work = Join-Path ([IO.Path]::GetTempPath()) ("arena-sshbench-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = New-Item -ItemType Directory $work
    $savedData = $env:ARENA_INFRA_DATA
    $env:ARENA_INFRA_DATA = Join-Path $work 'data'
    $fleet = [pscustomobject]@{ Work = $work; SavedData = $savedData; Sandbox = $null; Key = ''; User = ''; Config = $null; ApiKey = $null; Pods = @() }
    try {
        $fleet.Sandbox = Start-TestSandbox -Arguments '--start-delay-ms', "$StartDelayMs", '--sshd', 'auto', '--ssh-delay-ms', "$DelayMs"
        $fleet.Key = Join-Path $work 'key'
        Copy-Item (Join-Path $Root 'tests/fixtures/keys/test_ed25519') $fleet.Key
        Copy-Item (Join-Path $Root 'tests/fixtures/keys/test_ed25519.pub') "$($fleet.Key).pub"
        if (-not $IsWindows) { & chmod 600 $fleet.Key }
        $fleet.User = [Environment]::UserName
        $names = 1..$Pods | ForEach-Object { 'p{0:00}' -f $_ }
        $configFile = Join-Path $work 'config.env'
        Set-Content $configFile "SHARED_SSH_KEY_PATH=$($fleet.Key)`nSSH_USER=$($fleet.User)`nMACHINE_NAME_PREFIX=bench`nMACHINE_NAME_LIST=($($names -join ' '))`nRUNPOD_API_MAX_RPS=0`nRUNPOD_API_BASE_URL=$($fleet.Sandbox.Url)`n"
        $fleet.Config = Import-ArenaConfig $configFile -NoDefault
        $fleet.ApiKey = ConvertTo-SecureString (Get-SandboxKey) -AsPlainText -Force
        $null = New-ArenaPod -Count $Pods -Force -Config $fleet.Config -ApiKey $fleet.ApiKey -ThrottleLimit 32 -Wait -TimeoutSec 300
        $fleet.Pods = @(Get-ArenaPod -Config $fleet.Config -ApiKey $fleet.ApiKey)
        $fleet
    }
    catch {
        Stop-SshBenchFleet $fleet
        throw
    }
}

function Stop-SshBenchFleet {
    param([Parameter(Mandatory)] $Fleet)
    if ($Fleet.Sandbox) { Stop-TestSandbox $Fleet.Sandbox }
    $env:ARENA_INFRA_DATA = $Fleet.SavedData
    Remove-Item -Recurse -Force $Fleet.Work -ErrorAction SilentlyContinue
}

Export-ModuleMember -Function Start-SshBenchFleet, Stop-SshBenchFleet
