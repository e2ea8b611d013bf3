# The fleet lifecycle as an organiser scripts it: confirmation, -WhatIf, and scheduled (non-interactive) runs.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Sandbox = Start-TestSandbox -Arguments '--start-delay-ms', '200'
    $script:KeyPath = Join-Path $TestDrive 'shared_key'
    Copy-Item (Join-Path (Get-RepoRoot) 'tests/fixtures/keys/test_ed25519') $KeyPath
    Copy-Item (Join-Path (Get-RepoRoot) 'tests/fixtures/keys/test_ed25519.pub') "$KeyPath.pub"
    $script:ConfigFile = Join-Path $TestDrive 'config.env'
    Set-Content $ConfigFile "SHARED_SSH_KEY_PATH=$KeyPath`nMACHINE_NAME_PREFIX=camp`nMACHINE_NAME_LIST=(alpha bravo charlie)`n"
    $script:Env = @{ RUNPOD_API_KEY = (Get-SandboxKey); RUNPOD_API_BASE_URL = $Sandbox.Url; ARENA_CONFIG = $ConfigFile }
    $script:Import = "Import-Module '$(Get-BuiltModulePath)'"
}

AfterAll { Stop-TestSandbox $Sandbox }

Describe 'The fleet lifecycle in a fresh, non-interactive pwsh' {
    BeforeEach { Reset-Sandbox $Sandbox }

    Context 'asked to create, without -Force' {
        BeforeAll {
            # Neither creates anything, so one fresh session serves both.
            Reset-Sandbox $Sandbox
            $said = Invoke-FreshPwshCases -Setup $Import -Environment $Env -Cases ([ordered]@{
                WhatIf = 'New-ArenaPod -Count 3 -WhatIf'
                NoForce = "try { New-ArenaPod -Count 2 } catch { `$_.FullyQualifiedErrorId; `$_.ErrorDetails.RecommendedAction }"
            })
            $creates = @(Get-SandboxRequest $Sandbox | Where-Object operationName -eq 'CreatePod').Count
        }

        It 'New-ArenaPod -WhatIf lists every pod and its cost, and creates nothing' {
            ($said.WhatIf -join "`n") | Should -Match 'What if: Create 3 pods with 1 x NVIDIA RTX A4000 \(COMMUNITY\), about 0\.51 USD/hour in all .*RunPod.s stock HIGH: camp-alpha, camp-bravo, camp-charlie'
            $creates | Should -Be 0
        }

        It 'New-ArenaPod without -Force fails clearly instead of waiting for an answer' {
            $said.NoForce[0] | Should -Be 'ConfirmationRequired,ArenaInfra.Cmdlets.NewArenaPodCommand'
            $said.NoForce[1] | Should -Match '-Force'
            $creates | Should -Be 0
        }
    }

    It 'creates, waits, stops, starts and removes a fleet in one scheduled script' {
        $script = @"
$Import
`$ErrorActionPreference = 'Stop'
(New-ArenaPod -Count 3 -Force -Wait -TimeoutSec 60).Name -join ','
(Stop-ArenaPod -Name charlie -Force -AllowDataLoss -PassThru).Status
(Start-ArenaPod -Name charlie -Force -PassThru).Status
(Get-ArenaPod | Remove-ArenaPod -Force -PassThru).Status -join ','
@(Get-ArenaPod).Count
"@
        $lines = Invoke-FreshPwsh $script -Environment $Env
        ($lines[0] -split ',' | Sort-Object) | Should -Be @('camp-alpha', 'camp-bravo', 'camp-charlie')
        $lines[1..4] | Should -Be @('Stopped', 'Starting', 'Terminated,Terminated,Terminated', '0')
    }

    It 'a locked pod is not stopped until it is unlocked' {
        $script = @"
$Import
(New-ArenaPod -Name alpha -Force -Wait -TimeoutSec 60).Name
(Lock-ArenaPod alpha -Force).Locked
try { Stop-ArenaPod alpha -Force -AllowDataLoss -ErrorAction Stop; 'stopped' } catch { `$_.FullyQualifiedErrorId.Split(',')[0]; `$_.ErrorDetails.RecommendedAction }
(Unlock-ArenaPod alpha -Force).Locked
(Stop-ArenaPod alpha -Force -AllowDataLoss -PassThru).Status
"@
        $lines = Invoke-FreshPwsh $script -Environment $Env
        $lines[0..2] | Should -Be @('camp-alpha', 'True', 'PodLocked')
        $lines[3] | Should -Match 'Unlock-ArenaPod'
        $lines[4..5] | Should -Be @('False', 'Stopped')
        @(Get-SandboxRequest $Sandbox | Where-Object operationName -eq 'StopPod').Count | Should -Be 1
    }
}
