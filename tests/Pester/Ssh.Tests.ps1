# The morning check as an organiser runs it, in a fresh pwsh against pods that are real sshd processes.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:NoSshd = Get-ToolSkipReason sshd
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    if (Get-ToolSkipReason sshd) { return }
    $script:Sandbox = Start-TestSandbox -Arguments '--start-delay-ms', '0', '--sshd', 'auto'
    $script:KeyPath = Join-Path $TestDrive 'shared_key'
    Copy-Item (Join-Path (Get-RepoRoot) 'tests/fixtures/keys/test_ed25519') $KeyPath
    Copy-Item (Join-Path (Get-RepoRoot) 'tests/fixtures/keys/test_ed25519.pub') "$KeyPath.pub"
    $script:ConfigFile = Join-Path $TestDrive 'config.env'
    Set-Content $ConfigFile "SHARED_SSH_KEY_PATH=$KeyPath`nSSH_USER=$([Environment]::UserName)`nMACHINE_NAME_PREFIX=camp`nMACHINE_NAME_LIST=(alpha bravo charlie)`nRUNPOD_API_MAX_RPS=0`n"
    $script:Env = @{ RUNPOD_API_KEY = (Get-SandboxKey); RUNPOD_API_BASE_URL = $Sandbox.Url; ARENA_CONFIG = $ConfigFile; ARENA_INFRA_DATA = (Join-Path $TestDrive 'data') }
    $script:Import = "Import-Module '$(Get-BuiltModulePath)'"
}

AfterAll { if (Get-Variable Sandbox -Scope Script -ErrorAction SilentlyContinue) { Stop-TestSandbox $Sandbox } }

Describe 'Get-ArenaPod | Test-ArenaPod' -Skip:([bool]$NoSshd) {
    BeforeAll {
        # One organiser's session: it creates the fleet, bravo's sshd dies behind its back (through the
        # sandbox), and then it checks the fleet, as a table and as one Boolean for a script.
        $said = Invoke-FreshPwshCases -Setup $Import -Environment $Env -Cases ([ordered]@{
            Create = "New-ArenaPod -Count 3 -Force -Wait -TimeoutSec 30 | Out-Null; `$null = Invoke-RestMethod -Method Post -Uri `"$($Sandbox.Url)/_sandbox/pods/`$((Get-ArenaPod -Name bravo).Id)/sshd/stop`""
            Table = 'Get-ArenaPod | Test-ArenaPod -Command true -ConnectTimeoutSec 3 -InformationAction Continue | Out-String -Width 150'
            Quiet = 'Get-ArenaPod -Name alpha, charlie | Test-ArenaPod -Command true -Quiet'
        })
    }

    It 'shows a table where the failing pod stands out, and a summary' {
        $text = $said.Table -join "`n"
        $text | Should -Match '2 of 3 pods passed; 1 connection failure\(s\) \(camp-bravo\)'
        $text | Should -Match 'camp-bravo\s+\S*FAIL\S*\s+Connect\s'
        $text | Should -Match 'camp-alpha\s+PASS\s+Passed\s'
    }

    It 'gives a scheduled script one Boolean with -Quiet' {
        $said.Quiet | Should -Be 'True'
    }
}
